import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeySchedule
import RekeyTestSupport
import Testing

/// The real binary against the sandbox process, killed at random moments (seeded):
/// after each kill a plain `rekey run` must leave every job consistent (its sinks hold
/// the sandbox's one valid key) or needs-recovery — and the latter only when that job's
/// regenerate was in flight at the kill.
@Suite(.serialized) struct CrashLoopTests {
    static let jobCount = 4

    final class Fleet {
        let dir: TemporaryDirectory
        let sandbox: SandboxProcess
        var jobs: String { dir.file("jobs") }
        var state: String { dir.file("state") }
        var organizations: [String] { sandbox.initialKeys.keys.sorted() }

        init(latency: String) throws {
            dir = try TemporaryDirectory(prefix: "rekey-e2e")
            sandbox = try SandboxProcess(arguments: ["--accounts", "\(CrashLoopTests.jobCount)", "--latency", latency])
            var yaml = """
                defaults:
                  tenant: acme
                  provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString)}
                  policy:
                    every: 30d
                    retry: {attempts: 3, base: 20ms, max: 100ms, timeout: 5s}
                jobs:

                """
            for (index, org) in organizations.enumerated() {
                try dir.write("sinks/app-\(index).env", "OTHER=keep\nAPI_KEY='\(sandbox.initialKeys[org]!)'\n")
                yaml += """
                      - name: job-\(index)
                        env: env-\(index)
                        provider: {organization_id: "\(org)"}
                        credentials: {api_key: {sink: app}}
                        sinks:
                          - {id: app, kind: env-file, path: ../sinks/app-\(index).env, key: API_KEY}
                          - {id: key, kind: file, path: ../sinks/app-\(index).key}

                    """
            }
            try dir.write("jobs/fleet.yaml", yaml)
        }

        func args(_ extra: [String]) -> [String] { extra + ["--jobs", jobs, "--state-dir", state] }

        func sinkKey(_ index: Int) -> String? {
            try? EnvFileSink.readValue(path: dir.file("sinks/app-\(index).env"), key: "API_KEY").revealed
        }

        func fileKey(_ index: Int) -> String? {
            try? FileSink.read(path: dir.file("sinks/app-\(index).key")).revealed
        }

        func histories() async throws -> [String: JobHistory] {
            try await SQLiteAuditReader.openIfPresent(path: state + "/audit.sqlite").histories()
        }

        func lastSteps() async throws -> [String: String] {
            let store = try SQLiteAuditReader.openIfPresent(path: state + "/audit.sqlite")
            var steps: [String: String] = [:]
            for event in try await store.events(AuditEventFilter()) where event.job != nil {
                steps[event.job!] = event.step.rawValue
            }
            return steps
        }

        func stop() {
            sandbox.stop()
            dir.remove()
        }
    }

    /// Kills (or stops) `rekey run --force` at a seeded random moment, runs again, checks.
    func loop(signal: Int32, iterations: Int, seed: UInt64) async throws -> (
        kills: [String: Int], needsRecovery: Int, exits: [String: Int]
    ) {
        let fleet = try Fleet(latency: "15ms")
        defer { fleet.stop() }
        let random = SeededRandomSource(seed: seed)
        // One clean run sizes the window to aim the kills at.
        let started = Date()
        let first = try RekeyProcess.run(fleet.args(["run", "--force", "--quiet"]))
        #expect(first.status == 0, "\(first.stderr)")
        let window = max(0.05, Date().timeIntervalSince(started))

        var kills: [String: Int] = [:]
        var needsRecovery = 0
        var exits: [String: Int] = [:]
        for iteration in 0..<iterations {
            let iterationStart = Date()
            let process = try RekeyProcess.start(fleet.args(["run", "--force", "--quiet", "--grace", "20s"]))
            let delay = random.nextUnit() * window * 1.2
            usleep(UInt32(delay * 1_000_000))
            let killedAt = Date()
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let how =
                process.terminationReason == .uncaughtSignal
                ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
            exits[how, default: 0] += 1
            if signal == SIGTERM {
                // Stopped gracefully (143) or finished first (0). A signal death means the stop
                // arrived while the process was still starting, before it trapped signals and
                // so before any work: the invariant below still has to hold.
                #expect(
                    [0, 143].contains(process.terminationStatus) || process.terminationReason == .uncaughtSignal,
                    "iteration \(iteration): \(how)")
            }
            for step in try await fleet.lastSteps().values { kills[step, default: 0] += 1 }

            let afterStart = Date()
            let after = try RekeyProcess.run(fleet.args(["run", "--quiet"]))
            let current = try fleet.sandbox.currentKeys()
            let histories = try await fleet.histories()
            for (index, org) in fleet.organizations.enumerated() {
                let name = "job-\(index)"
                if fleet.sinkKey(index) == current[org] && fleet.fileKey(index).map({ $0 == current[org] }) != false {
                    #expect(
                        histories[name]?.needsRecovery != true, "iteration \(iteration): \(name) consistent but flagged"
                    )
                    continue
                }
                needsRecovery += 1
                #expect(signal == SIGKILL, "iteration \(iteration): a graceful stop lost \(name)'s key")
                #expect(
                    histories[name]?.needsRecovery == true, "iteration \(iteration): \(name) stale, not needs-recovery")
                #expect(after.status == 2, "iteration \(iteration): exit \(after.status) with \(name) needing recovery")
                // Only a regenerate the killed run had sent may lose its answer: one the vendor
                // processed after this iteration began and before the next run started (the
                // request may reach the vendor a moment after the kill: its head was already out).
                let inFlight = try fleet.sandbox.requests().contains {
                    $0.endpoint == "regenerate" && $0.organizationID == org && $0.processedAt != nil
                        && $0.receivedAt >= iterationStart && $0.receivedAt <= afterStart
                }
                _ = killedAt
                #expect(inFlight, "iteration \(iteration): \(name) needs recovery without a regenerate in flight")
                let adopt = try RekeyProcess.run(fleet.args(["adopt", "--job", name]), stdin: current[org]! + "\n")
                #expect(adopt.status == 0, "adopt: \(adopt.stderr)")
            }
        }
        let status = try RekeyProcess.run(fleet.args(["audit", "verify"]))
        #expect(status.status == 0, "audit verify: \(status.stdout) \(status.stderr)")
        return (kills, needsRecovery, exits)
    }

    static func count(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    @Test func sigkillAtRandomMomentsNeverLosesAWorkingCredential() async throws {
        let (kills, needsRecovery, _) = try await loop(
            signal: SIGKILL, iterations: Self.count("REKEY_E2E_KILLS", 200), seed: 20_261_124)
        print("SIGKILL loop: last audited step per job at the kill:", kills.sorted { $0.key < $1.key })
        print("SIGKILL loop: needs-recovery (regenerate in flight at the kill):", needsRecovery)
    }

    @Test func sigtermAlwaysFinishesInFlightWork() async throws {
        let (kills, needsRecovery, exits) = try await loop(
            signal: SIGTERM, iterations: Self.count("REKEY_E2E_STOPS", 50), seed: 7)
        print("SIGTERM loop: last audited step per job at the stop:", kills.sorted { $0.key < $1.key })
        print("SIGTERM loop: how the stopped runs ended:", exits.sorted { $0.key < $1.key })
        #expect(needsRecovery == 0)
    }
}
