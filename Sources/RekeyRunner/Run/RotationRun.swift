// One `rekey run`: recover what an earlier run left in the spool, pick the due jobs,
// rotate them with bounded concurrency, and record the run in the audit log.

import Foundation
import RekeyAudit
import RekeyEffects
import RekeyModel
import RekeySchedule

public struct RotationRun: Sendable {
    public let environment: RunEnvironment
    public let run: RunIdentity
    public let options: RunOptions
    /// Polled before each job starts: the signal's exit status once SIGTERM/SIGINT arrived.
    public let stopRequested: @Sendable () -> ExitStatus?
    /// Called as each job finishes (progress lines on a terminal, JSON lines).
    public let progress: @Sendable (JobOutcome) -> Void

    public init(
        environment: RunEnvironment, run: RunIdentity, options: RunOptions,
        stopRequested: @escaping @Sendable () -> ExitStatus? = { nil },
        progress: @escaping @Sendable (JobOutcome) -> Void = { _ in }
    ) {
        var environment = environment
        environment.stopRequested = stopRequested
        self.environment = environment
        self.run = run
        self.options = options
        self.stopRequested = stopRequested
        self.progress = progress
    }

    public func execute(jobs declared: [Job]) async -> RunSummary {
        let started = environment.clock.now()
        let journal = RunJournal(audit: environment.audit, clock: environment.clock, run: run)
        if !options.dryRun { await journal.started() }

        var outcomes: [JobOutcome] = []
        // A fleet host takes its own jobs and those any host may run (`FleetAffinity`).
        var allJobs = declared
        var elsewhere: Set<String> = []
        if let host = run.host {
            let affinity = FleetAffinity.partition(declared, host: host)
            (allJobs, elsewhere) = (affinity.mine, affinity.elsewhere)
            outcomes += affinity.refused.filter { options.filter.matches($0.job) }.map {
                JobOutcome($0.job, .failed, message: $0.why)
            }
        }
        if !options.dryRun {
            outcomes += await Recovery(environment: environment, run: run).recoverAll(
                jobs: allJobs, otherHosts: elsewhere)
        }

        // Matched in the loop, not filtered into a copy of every job.
        let jobs = allJobs.lazy.filter(options.filter.matches)
        let histories = (try? await environment.audit.histories()) ?? [:]
        let now = environment.clock.now()
        let recoveredNames = Set(outcomes.map(\.job))
        var pendingRecovery: [String] = []
        var backingOff: [RunSummary.BackingOff] = []
        var due: [DueJob] = []
        for job in jobs where !recoveredNames.contains(job.name) {
            let history = histories[job.name] ?? JobHistory()
            let decision = Scheduler.decide(
                job: job, history: history, now: now, force: options.force,
                ignoreBackoff: options.filter.names.contains(job.name))
            if case .retryingAfterFailure(let failures, let retryAt) = decision.reason {
                backingOff.append(RunSummary.BackingOff(job: job.name, failures: failures, retryAt: retryAt))
            }
            if history.needsRecovery { pendingRecovery.append(job.name) }
            // A probing dry run checks every selected job, due or not.
            if decision.isDue || (options.dryRun && options.probe) { due.append((job, decision, history)) }
        }

        outcomes += await rotate(due)

        var summary = RunSummary(runID: run.runID, outcomes: outcomes)
        summary.pendingRecovery = pendingRecovery.filter { name in !outcomes.contains { $0.job == name } }
        summary.backingOff = backingOff
        summary.stoppedBy = stopRequested()
        summary.oneOff = !options.isScheduled
        summary.seconds = environment.clock.now().timeIntervalSince(started)
        if !options.dryRun {
            await journal.finished(summary)
        }
        return summary
    }

    typealias DueJob = (job: Job, decision: ScheduleDecision, history: JobHistory)

    /// What trying one job came to.
    private enum Attempt: Sendable {
        /// Another process holds the job.
        case held
        /// Done with it this run; the outcome, if there is one to report.
        case finished(JobOutcome?)
    }

    /// Rotates the due jobs, at most `concurrency` at once and `maxRotations` in all.
    private func rotate(_ due: [DueJob]) async -> [JobOutcome] {
        var queue = due[...]
        var outcomes: [JobOutcome] = []
        var started = 0
        // Fleet, `hosts: [..]`: jobs of this host that another listed host held meanwhile.
        var heldByAnotherHost: [DueJob] = []
        await withTaskGroup(of: (DueJob, Attempt).self) { group in
            var inFlight = 0
            func startNext() -> Bool {
                guard let (job, decision, history) = queue.first else { return false }
                if stopRequested() != nil { return false }
                if let cap = options.maxRotations, !decision.hooksOnly, started >= cap { return false }
                queue = queue.dropFirst()
                if !decision.hooksOnly { started += 1 }
                group.addTask { ((job, decision, history), await self.runOne(job, decision, history)) }
                inFlight += 1
                return true
            }
            while inFlight < max(1, options.concurrency), startNext() {}
            while let (tried, attempt) = await group.next() {
                inFlight -= 1
                switch attempt {
                case .held where run.host != nil && !tried.job.hosts.isEmpty && !options.dryRun:
                    heldByAnotherHost.append(tried)
                case .held, .finished(nil):
                    break
                case .finished(let outcome?):
                    progress(outcome)
                    outcomes.append(outcome)
                }
                while inFlight < max(1, options.concurrency), startNext() {}
            }
        }
        let reason = stopRequested() != nil ? "stop requested before it started" : "--max-rotations reached"
        outcomes += queue.map { JobOutcome($0.0, .notStarted, message: reason) }
        return outcomes + (await deliverAfterOtherHosts(heldByAnotherHost))
    }

    /// Fleet, `hosts: [..]`: the listed hosts usually run from one schedule, and the host
    /// that claims the job first issues it while the others find it held. Each of them waits
    /// for the holder to let go and then takes its own turn (delivering its files from the
    /// shared spool), so the hosts' files differ for seconds rather than until their next
    /// run — which for a regenerate is how long the others' apps hold a dead key. Bounded by
    /// one vendor call's deadline plus one attempt's timeout; a stop ends the wait.
    private func deliverAfterOtherHosts(_ waiting: [DueJob]) async -> [JobOutcome] {
        guard !waiting.isEmpty else { return [] }
        let limit = waiting.map { $0.job.policy.retry.deadline + $0.job.policy.retry.timeout }.max() ?? .zero
        let until = environment.clock.now().addingTimeInterval(limit.seconds)
        var remaining = waiting
        var outcomes: [JobOutcome] = []
        while !remaining.isEmpty, stopRequested() == nil, environment.clock.now() < until {
            try? await environment.clock.sleep(for: .seconds(1))
            var stillHeld: [DueJob] = []
            for tried in remaining {
                switch await runOne(tried.job, tried.decision, tried.history) {
                case .held: stillHeld.append(tried)
                case .finished(nil): break
                case .finished(let outcome?):
                    progress(outcome)
                    outcomes.append(outcome)
                }
            }
            remaining = stillHeld
        }
        return outcomes
    }

    /// `.finished(nil)` when the job is another fleet host's this run (it rotated it since
    /// this run read its history): normal in a fleet, so not an outcome to report; `.held`
    /// in a fleet, where another host holding the job is just as normal.
    private func runOne(_ job: Job, _ decision: ScheduleDecision, _ history: JobHistory) async -> Attempt {
        guard let lease = await environment.leases.tryClaim(job) else {
            if run.host != nil { return .held }
            return .finished(
                JobOutcome(job, .locked, message: "another rekey process is rotating this credential; skipped"))
        }
        let claimed = await rotateClaimed(job, decision, history, lease: lease)
        await lease.release()
        guard let outcome = claimed else { return .finished(nil) }
        if [.failed, .needsRecovery, .unsettled, .hookFailed, .revokeFailed].contains(outcome.kind), !options.dryRun {
            await notifyFailure(job, outcome)
        }
        return .finished(outcome)
    }

    /// A fleet host decides again once it holds the job: another host may have rotated it
    /// (or left it to recover) after this run read every history.
    private func rotateClaimed(
        _ job: Job, _ decision: ScheduleDecision, _ history: JobHistory, lease: any Lease
    ) async -> JobOutcome? {
        let environment = environment.holding(lease)
        guard lease.fencingToken != nil, !options.dryRun else {
            return await rotateLocked(job, decision, history, environment)
        }
        let current: JobHistory
        do {
            current = try await environment.audit.historyFromChain(of: job.name)
        } catch {
            return JobOutcome(job, .failed, message: "cannot read the job's history after claiming it: \(error)")
        }
        let recovery = Recovery(environment: environment, run: run)
        if case .handled(let settled) = await recovery.recoverClaimed(job, history: current) { return settled }
        let fresh = Scheduler.decide(
            job: job, history: current, now: environment.clock.now(), force: false,
            ignoreBackoff: options.filter.names.contains(job.name))
        // A forced run rotates a job once however many hosts it runs on.
        let forced = options.force && current.lastSuccess == history.lastSuccess
        guard fresh.isDue || forced else { return nil }
        return await rotateLocked(job, fresh.isDue ? fresh : decision, current, environment)
    }

    private func rotateLocked(
        _ job: Job, _ decision: ScheduleDecision, _ history: JobHistory, _ environment: RunEnvironment
    ) async -> JobOutcome {
        let procedure = RotationProcedure(environment: environment, run: run, job: job)
        if options.dryRun { return await procedure.dryRun(decision, probe: options.probe) }
        if decision.revokeOnly { return await procedure.revokePending(history: history) }
        guard decision.hooksOnly else { return await procedure.rotate(history: history) }
        let started = environment.clock.now()
        let failure = await procedure.runHooks()
        let outcome = JobOutcome(
            job, failure == nil ? .hooksRerun : .hookFailed,
            seconds: environment.clock.now().timeIntervalSince(started), message: failure?.description)
        if let failure { return outcome.because(failure) }
        // Two-key: the app has now reloaded onto the new credential, so a revoke that is due
        // (it waited for these hooks) need not wait for another run.
        var reloaded = history
        reloaded.hookFailed = false
        guard Scheduler.decide(job: job, history: reloaded, now: environment.clock.now()).revokeOnly else {
            return outcome
        }
        var revoked = await procedure.revokePending(history: reloaded)
        revoked.message = ["hooks re-ran", revoked.message].compactMap { $0 }.joined(separator: "; ")
        return revoked
    }

    /// `on_failure` hooks (the job's, then rekey.yaml's) with the state and error; never a secret.
    private func notifyFailure(_ job: Job, _ outcome: JobOutcome) async {
        let extra = [
            "REKEY_STATE": outcome.kind.rawValue,
            "REKEY_ERROR_NAME": outcome.errorName ?? outcome.kind.rawValue,
            "REKEY_ERROR_ID": outcome.errorID ?? "",
            "REKEY_ERROR_MESSAGE": String((outcome.message ?? "").prefix(1000)),
        ]
        let journal = JobJournal(environment: environment, run: run, job: job)
        for hook in job.onFailure + environment.globalOnFailure {
            let credentials = (try? await environment.credentials.resolve(job)).map { Array($0.values) } ?? []
            let result = await environment.hooks.run(hook, job: job, extraEnvironment: extra, scrubbing: credentials)
            await journal.failureHook("on_failure hook \(hook.argv[0]): \(result.summary)")
        }
    }
}
