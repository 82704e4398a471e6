// One `rekey run`: recover what an earlier run left in the spool, pick the due jobs,
// rotate them with bounded concurrency, and record the run in the audit log.

import Foundation

public struct RotationRun: Sendable {
    public let context: RunContext
    public let options: RunOptions
    /// Polled before each job starts: the signal's exit status once SIGTERM/SIGINT arrived.
    public let stopRequested: @Sendable () -> ExitStatus?
    /// Called as each job finishes (progress lines on a terminal, JSON lines).
    public let progress: @Sendable (JobOutcome) -> Void

    public init(
        context: RunContext, options: RunOptions, stopRequested: @escaping @Sendable () -> ExitStatus? = { nil },
        progress: @escaping @Sendable (JobOutcome) -> Void = { _ in }
    ) {
        self.context = context
        self.options = options
        self.stopRequested = stopRequested
        self.progress = progress
    }

    private func runEvent(_ step: AuditStep, message: String? = nil, exitCode: Int? = nil) -> AuditEvent {
        var event = AuditEvent(time: context.clock.now(), runID: context.runID, step: step, message: message)
        event.trigger = context.trigger
        event.exitCode = exitCode
        event.pid = Int(ProcessInfo.processInfo.processIdentifier)
        event.host = ProcessInfo.processInfo.hostName
        event.user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        event.version = RekeyVersion.current
        return event
    }

    public func execute(jobs allJobs: [Job]) async -> RunSummary {
        let started = context.clock.now()
        if !context.dryRun { _ = try? await context.audit.append(runEvent(.runStarted)) }

        var outcomes: [JobOutcome] = []
        if !context.dryRun {
            outcomes += await Recovery(context: context).recoverAll(jobs: allJobs)
        }

        let jobs = allJobs.filter(options.filter.matches)
        let histories = (try? await context.audit.histories()) ?? [:]
        let now = context.clock.now()
        let recoveredNames = Set(outcomes.map(\.job))
        var pendingRecovery: [String] = []
        var due: [(Job, ScheduleDecision)] = []
        for job in jobs where !recoveredNames.contains(job.name) {
            let history = histories[job.name] ?? JobHistory()
            let decision = Scheduler.decide(job: job, history: history, now: now, force: options.force)
            if history.needsRecovery { pendingRecovery.append(job.name) }
            if decision.isDue { due.append((job, decision)) }
        }

        outcomes += await rotate(due)

        var summary = RunSummary(runID: context.runID, outcomes: outcomes)
        summary.pendingRecovery = pendingRecovery.filter { name in !outcomes.contains { $0.job == name } }
        summary.stoppedBy = stopRequested()
        summary.oneOff = !options.isScheduled
        summary.seconds = context.clock.now().timeIntervalSince(started)
        if !context.dryRun {
            let counts =
                "rotated \(summary.count(.rotated)), failed \(summary.count(.failed)), needs-recovery \(summary.count(.needsRecovery))"
            _ = try? await context.audit.append(
                runEvent(.runFinished, message: counts, exitCode: Int(summary.exitStatus.rawValue)))
        }
        return summary
    }

    /// Rotates the due jobs, at most `concurrency` at once and `maxRotations` in all.
    private func rotate(_ due: [(Job, ScheduleDecision)]) async -> [JobOutcome] {
        var queue = due[...]
        var outcomes: [JobOutcome] = []
        var started = 0
        await withTaskGroup(of: JobOutcome.self) { group in
            var inFlight = 0
            func startNext() -> Bool {
                guard let (job, decision) = queue.first else { return false }
                if stopRequested() != nil { return false }
                if let cap = options.maxRotations, !decision.hooksOnly, started >= cap { return false }
                queue = queue.dropFirst()
                if !decision.hooksOnly { started += 1 }
                group.addTask { await self.runOne(job, decision) }
                inFlight += 1
                return true
            }
            while inFlight < max(1, options.concurrency), startNext() {}
            while let outcome = await group.next() {
                progress(outcome)
                outcomes.append(outcome)
                inFlight -= 1
                while inFlight < max(1, options.concurrency), startNext() {}
            }
        }
        let reason = stopRequested() != nil ? "stop requested before it started" : "--max-rotations reached"
        outcomes += queue.map { JobOutcome($0.0, .notStarted, message: reason) }
        return outcomes
    }

    private func runOne(_ job: Job, _ decision: ScheduleDecision) async -> JobOutcome {
        guard let lock = context.tryLock(job) else {
            return JobOutcome(job, .locked, message: "another rekey process is rotating this credential; skipped")
        }
        defer { lock.release() }
        let outcome = await rotateLocked(job, decision)
        if [.failed, .needsRecovery, .hookFailed].contains(outcome.kind), !context.dryRun {
            await notifyFailure(job, outcome)
        }
        return outcome
    }

    private func rotateLocked(_ job: Job, _ decision: ScheduleDecision) async -> JobOutcome {
        let procedure = RotationProcedure(context: context, job: job)
        if decision.hooksOnly {
            if context.dryRun { return JobOutcome(job, .planned, message: "would re-run hooks") }
            let started = context.clock.now()
            let failure = await procedure.runHooks()
            return JobOutcome(
                job, failure == nil ? .hooksRerun : .hookFailed,
                seconds: context.clock.now().timeIntervalSince(started),
                message: failure)
        }
        return await procedure.rotate()
    }

    /// `on_failure` hooks (the job's, then rekey.yaml's) with the state and error; never a secret.
    private func notifyFailure(_ job: Job, _ outcome: JobOutcome) async {
        let extra = [
            "REKEY_STATE": outcome.kind.rawValue,
            "REKEY_ERROR_NAME": outcome.kind.rawValue,
            "REKEY_ERROR_MESSAGE": String((outcome.message ?? "").prefix(1000)),
        ]
        for hook in job.onFailure + context.globalOnFailure {
            let result = await context.runHook(hook, job, extra)
            var row = AuditEvent.job(
                job, step: .hook, runID: context.runID, time: context.clock.now(),
                message: "on_failure hook \(hook.argv[0]): \(result.summary)")
            row.trigger = context.trigger
            _ = try? await context.audit.append(row)
        }
    }
}
