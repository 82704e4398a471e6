import Foundation
import RekeyAudit
import RekeyModel
import RekeyTestSupport
import Testing

/// One loop: `rekey run --force` against a fleet, interrupted at an aimed moment (seeded),
/// then a plain `rekey run`; every job must end consistent (its sinks hold the sandbox's one
/// valid key) or needs-recovery — the latter only after SIGKILL and only when that job's
/// regenerate was in flight. What is counted per iteration is each job's last committed step
/// at the moment of the interruption, read while the process is frozen, for the jobs whose
/// rotation in this iteration's run had started.
struct CrashLoop {
    enum Interruption {
        case signal(Int32)
        /// Closes the read end of stdout's pipe (in some iterations stderr's too) under
        /// `run --log-format json`, with SIGPIPE at its default disposition.
        case closedPipe

        var name: String {
            switch self {
            case .signal(SIGKILL): "SIGKILL"
            case .signal(SIGTERM): "SIGTERM"
            case .signal(SIGHUP): "SIGHUP"
            case .signal(let number): "signal \(number)"
            case .closedPipe: "closed-pipe"
            }
        }

        /// The exit status of a graceful stop by this signal (nil: SIGKILL, or a pipe).
        var gracefulStatus: Int32? {
            switch self {
            case .signal(SIGKILL), .closedPipe: nil
            case .signal(let number): 128 + number
            }
        }
    }

    struct Outcome {
        var name: String
        /// Step → how many jobs had it as their last committed step at an interruption.
        var kills: [String: Int] = [:]
        var needsRecovery = 0
        var exits: [String: Int] = [:]
        var aimed = 0
        var hits = 0
        var seconds: TimeInterval = 0

        func report() {
            print("\(name) loop: last committed step per job at the interruption:", kills.sorted { $0.key < $1.key })
            print("\(name) loop: aimed iterations that hit their step: \(hits) of \(aimed)")
            print("\(name) loop: how the interrupted runs ended:", exits.sorted { $0.key < $1.key })
            print("\(name) loop: needs-recovery (regenerate in flight at the kill): \(needsRecovery)")
            print("\(name) loop: \(String(format: "%.1f", seconds)) s")
        }

        /// Every step from `intent` to `done` received at least `minimum` interruptions.
        func expectEveryStepHit(_ minimum: Int = 5) {
            for step in KillAim.steps {
                #expect(
                    kills[step.rawValue, default: 0] >= minimum,
                    "\(name): only \(kills[step.rawValue, default: 0]) interruptions in '\(step.rawValue)'")
            }
        }
    }

    static let jobCount = 4
    let interruption: Interruption
    let fleet: CrashLoopFleet
    let random: SeededRandomSource

    static func run(
        _ interruption: Interruption, iterations: Int, seed: UInt64, vendor: CrashLoopFleet.Vendor = .questionPro
    ) async throws -> Outcome {
        let began = Date()
        let fleet = try CrashLoopFleet(jobCount: jobCount, latency: "15ms", vendor: vendor)
        defer { fleet.stop() }
        let loop = CrashLoop(interruption: interruption, fleet: fleet, random: SeededRandomSource(seed: seed))
        var outcome = try await loop.iterate(iterations)
        outcome.seconds = Date().timeIntervalSince(began)
        outcome.report()
        return outcome
    }

    func iterate(_ iterations: Int) async throws -> Outcome {
        var outcome = Outcome(name: interruption.name + (fleet.vendor == .questionPro ? "" : " (\(fleet.vendor))"))
        // Clean runs: the second (the first also creates the state directory) gives the timeline.
        var started = Date()
        var total: TimeInterval = 0
        var base: Int64 = 0
        for _ in 0..<2 {
            base = try await fleet.newestSequence()
            started = Date()
            let clean = try launch(Pipe(), Pipe(), both: true)
            await OffPool.waitUntilExit(clean)
            total = Date().timeIntervalSince(started)
            #expect(clean.terminationReason == .exit && clean.terminationStatus == 0, "a clean run failed")
        }
        let aim = KillAim(
            events: try await fleet.jobEvents(after: base, since: started.addingTimeInterval(-2)), started: started,
            total: total)

        var earliness: [AuditStep: Double] = [:]
        for iteration in 0..<iterations {
            let base = try await fleet.newestSequence()
            let iterationStart = Date()
            let (target, delay) = aim.plan(
                iteration: iteration, random: random, kills: outcome.kills, earliness: earliness)
            let both = random.nextUnit() < 0.5
            let stdout = Pipe()
            let stderr = Pipe()
            let process = try launch(stdout, stderr, both: both)
            try await Task.sleep(for: .seconds(delay))
            let steps = try await interrupt(process, aimingAt: target, after: base, since: iterationStart) {
                switch interruption {
                case .signal(let number):
                    kill(process.processIdentifier, number)
                case .closedPipe:
                    try? stdout.fileHandleForReading.close()
                    if both { try? stderr.fileHandleForReading.close() }
                }
            }
            await OffPool.waitUntilExit(process)
            if let target {
                outcome.aimed += 1
                // Missed: the run was already past the step at the first look; aim earlier.
                if steps.values.contains(target) {
                    outcome.hits += 1
                } else {
                    earliness[target] = max(0.3, earliness[target, default: 0.8] * 0.85)
                }
            }
            for step in steps.values { outcome.kills[step.rawValue, default: 0] += 1 }
            let how =
                process.terminationReason == .uncaughtSignal
                ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
            outcome.exits[how, default: 0] += 1
            expectEnding(process, steps: steps, iteration: iteration)
            outcome.needsRecovery += try await check(iteration: iteration, since: iterationStart)
        }
        let verify = try RekeyProcess.run(fleet.args(["audit", "verify"]))
        #expect(verify.status == 0, "audit verify: \(verify.stdout) \(verify.stderr)")
        return outcome
    }

    /// Starts `rekey run --force` as this loop interrupts it: output to /dev/null for a signal;
    /// for a pipe, JSON lines to `stdout` (and to `stderr` when `both`; they fit in the pipe
    /// without a reader) with SIGPIPE at its default disposition.
    func launch(_ stdout: Pipe, _ stderr: Pipe, both: Bool) throws -> Process {
        switch interruption {
        case .signal:
            return try RekeyProcess.start(fleet.args(["run", "--force", "--quiet", "--grace", "20s"]))
        case .closedPipe:
            return try ProcessPause.startWithDefaultSIGPIPE(
                fleet.args(["run", "--force", "--log-format", "json"]), standardOutput: stdout,
                standardError: both ? stderr : FileHandle.nullDevice)
        }
    }

    /// Steps the process into the target (`KillAim.approach`), reading what it has committed
    /// since `base`, and `deliver`s the interruption while it is frozen.
    func interrupt(
        _ process: Process, aimingAt target: AuditStep?, after base: Int64, since: Date, deliver: () -> Void
    ) async throws -> [String: AuditStep] {
        try await KillAim.approach(
            process, target: target, jobs: (0..<fleet.jobCount).map { "job-\($0)" }, random: random,
            evenAfterExit: isPipe,
            read: { try await fleet.lastSteps(after: base, since: since.addingTimeInterval(-2)) }, deliver: deliver)
    }

    func expectEnding(_ process: Process, steps: [String: AuditStep], iteration: Int) {
        let died = process.terminationReason == .uncaughtSignal
        switch interruption {
        case .signal(SIGKILL):
            break
        case .signal(let number):
            // Stopped gracefully or finished first. A death by the signal means it arrived
            // before the process trapped signals, so before any job had started.
            if died {
                #expect(
                    process.terminationStatus == number && steps.isEmpty, "iteration \(iteration): died at \(steps)")
            } else {
                #expect(
                    [0, interruption.gracefulStatus].contains(process.terminationStatus),
                    "iteration \(iteration): exit \(process.terminationStatus)")
            }
        case .closedPipe:
            #expect(!died, "iteration \(iteration): died of signal \(process.terminationStatus)")
            #expect(process.terminationStatus == 0, "iteration \(iteration): exit \(process.terminationStatus)")
        }
    }

    /// A plain run after the interruption; returns how many jobs need recovery (adopted again).
    func check(iteration: Int, since iterationStart: Date) async throws -> Int {
        let afterStart = Date()
        let after = try RekeyProcess.run(fleet.args(["run", "--quiet"]))
        let current = try fleet.sandbox.currentKeys()
        let histories = try await fleet.histories()
        var needsRecovery = 0
        for (index, org) in fleet.organizations.enumerated() {
            let name = "job-\(index)"
            if fleet.sinkKey(index) == current[org] && fleet.fileKey(index).map({ $0 == current[org] }) != false {
                #expect(
                    histories[name]?.needsRecovery != true, "iteration \(iteration): \(name) consistent but flagged")
                continue
            }
            needsRecovery += 1
            #expect(
                interruption.gracefulStatus == nil && !isPipe,
                "iteration \(iteration): a \(interruption.name) lost \(name)'s key")
            #expect(histories[name]?.needsRecovery == true, "iteration \(iteration): \(name) stale, not needs-recovery")
            #expect(after.status == 2, "iteration \(iteration): exit \(after.status) with \(name) needing recovery")
            // Only a regenerate the killed run had sent may lose its answer: one the vendor
            // processed after this iteration began and before the next run started (the
            // request may reach the vendor a moment after the kill: its head was already out).
            let inFlight = try fleet.sandbox.requests().contains {
                $0.endpoint == fleet.vendor.issueEndpoint && $0.organizationID == org && $0.processedAt != nil
                    && $0.receivedAt >= iterationStart && $0.receivedAt <= afterStart
            }
            #expect(inFlight, "iteration \(iteration): \(name) needs recovery without a regenerate in flight")
            let adopt = try RekeyProcess.run(fleet.args(["adopt", "--job", name]), stdin: current[org]! + "\n")
            #expect(adopt.status == 0, "adopt: \(adopt.stderr)")
        }
        return needsRecovery
    }

    var isPipe: Bool {
        if case .closedPipe = interruption { return true }
        return false
    }
}
