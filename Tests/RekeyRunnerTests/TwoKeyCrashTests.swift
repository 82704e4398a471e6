import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySandbox
import RekeySchedule
import RekeyTestSupport
import Testing

/// Crashes a two-key rotation (overlap 0, so the revoke is part of the run) at each of its
/// side effects in turn, then lets the next runs finish: after every crash and every run,
/// each sink holds a key the vendor accepts. A crash after the issue was sent and before
/// its answer was spooled leaves the job failed, naming the credential the vendor may
/// hold; from any other step the rotation ends with the vendor holding exactly the one key
/// the sinks hold (the old one revoked), never needs-recovery.
@Suite struct TwoKeyCrashTests {
    struct Scenario {
        let dir: TemporaryDirectory
        let sandbox: VendorSandbox
        let paths: ResolvedPaths
        let clock = ManualClock()
        let job: Job

        init() async throws {
            dir = try TemporaryDirectory()
            sandbox = VendorSandbox(options: SandboxOptions())
            let url = try await sandbox.start()
            paths = ResolvedPaths(
                jobs: dir.path, stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))
            job = HTTPJobs.twoKeyJob(
                directory: dir.path, baseURL: url, previousID: "key_1",
                hooks: [HookSpec(argv: ["/bin/sh", "-c", "exit 0"])])
            let initial = sandbox.httpKeys[0].key
            try dir.write("app.env", "OTHER=1\nAPI_KEY='\(initial)'\n")
            try dir.write("worker.key", initial)
        }

        func run(crashAt: Int?, force: Bool) async throws -> (RunSummary, CrashSwitch) {
            let crash = CrashSwitch(crashAt: crashAt)
            var environment = try RunEnvironment.production(
                paths: paths, clock: clock, settleDelay: .milliseconds(10), log: { _ in })
            environment.audit = CrashingAuditLog(inner: environment.audit, crash: crash)
            environment.spool = CrashingSpool(inner: environment.spool, crash: crash)
            environment.sinks = CrashingSinks(inner: environment.sinks, crash: crash)
            environment.hooks = CrashingHooks(inner: environment.hooks, crash: crash)
            var options = RunOptions()
            options.force = force
            let summary = await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
                .execute(jobs: [job])
            await environment.close()
            return (summary, crash)
        }

        var sinkKeys: [String?] {
            [
                try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed,
                try? FileSink.read(path: dir.file("worker.key")).revealed,
            ]
        }

        var sinksHoldAcceptedKeys: Bool {
            let accepted = sandbox.httpAcceptedSecrets
            return sinkKeys.allSatisfy { accepted.contains($0 ?? "") }
        }

        func history() async throws -> JobHistory {
            try await SQLiteAuditReader.openIfPresent(path: paths.database).histories()[job.name] ?? JobHistory()
        }

        func close() async {
            await sandbox.stop()
            dir.remove()
        }
    }

    /// The effect after which the vendor has added the key but rekey has not yet kept it.
    static let inFlight = "spool-write"

    @Test func aCrashAtAnyStepLeavesEverySinkAWorkingKeyAndNoKeyBehindButAnOrphanItNames() async throws {
        let clean = try await Scenario()
        let (summary, counter) = try await clean.run(crashAt: nil, force: true)
        #expect(summary.count(.rotated) == 1, "\(summary.render())")
        #expect(clean.sandbox.httpKeys.map(\.id) == ["key_2"])
        let steps = counter.steps
        await clean.close()
        #expect(steps.contains(Self.inFlight) && steps.contains("audit:revoked"), "\(steps)")

        for k in 1...steps.count {
            let scenario = try await Scenario()
            let (_, crash) = try await scenario.run(crashAt: k, force: true)
            let died = try #require(crash.diedAt)
            #expect(scenario.sinksHoldAcceptedKeys, "a sink lost its working key at a crash at \(died)")
            // The next run recovers; the one after carries out a revoke recovery left pending.
            let (next, _) = try await scenario.run(crashAt: nil, force: false)
            #expect(scenario.sinksHoldAcceptedKeys, "after recovering from a crash at \(died)")
            let (_, _) = try await scenario.run(crashAt: nil, force: false)
            #expect(scenario.sinksHoldAcceptedKeys, "two runs after a crash at \(died)")
            let history = try await scenario.history()
            #expect(!history.needsRecovery, "needs-recovery after a crash at \(died)")
            let keys = scenario.sandbox.httpKeys
            if died == Self.inFlight {
                let outcome = next.outcomes.first
                #expect(outcome?.errorName == "interrupted-issue-may-have-added-credential", "\(next.render())")
                #expect(outcome?.message?.contains("may hold a new credential nobody has") == true)
                #expect(keys.map(\.id) == ["key_1", "key_2"], "the orphan stays, named; the old key stays")
                #expect(scenario.sinkKeys.allSatisfy { $0 == keys[0].key })
            } else {
                #expect(keys.count == 1, "crash at \(died): \(keys.map(\.id))")
                #expect(scenario.sinkKeys.allSatisfy { $0 == keys.first?.key }, "crash at \(died)")
                #expect(history.pendingRevokeID == nil, "crash at \(died)")
            }
            await scenario.close()
        }
    }
}
