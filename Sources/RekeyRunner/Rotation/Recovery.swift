// `rekey recover`, and the first step of every run: finish what an earlier run left
// unfinished. Two cases:
// - a secret in the spool (issued, not yet delivered everywhere): deliver it, while it
//   is still the newest one recorded for its job (roll forward, never back);
// - an open intent with no spool (the run stopped while a regenerate was in flight):
//   probe the old key — it works → nothing happened, rotate normally; dead → the vendor
//   may hold a key nobody has: needs-recovery; no answer → ask again next run. A two-key
//   issue leaves the old key working either way, so there the job fails, listing the
//   credential the vendor may have issued (nothing is lost; nothing is re-sent blindly).

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeySchedule
import RekeyVendor

public struct Recovery: Sendable {
    let environment: RunEnvironment
    let run: RunIdentity

    public init(environment: RunEnvironment, run: RunIdentity) {
        self.environment = environment
        self.run = run
    }

    /// Runs in a row without a probe answer before an unsettled job needs an operator.
    static let unsettledRunsBeforeNeedsRecovery = 3

    /// `rekey recover`: recovery alone, as a run summary that also names every job still
    /// needing an operator (a needs-recovery job has nothing to deliver, yet is not fine).
    public func summary(jobs declared: [Job]) async -> RunSummary {
        var jobs = declared
        var elsewhere: Set<String> = []
        if let host = run.host {
            let affinity = FleetAffinity.partition(declared, host: host)
            (jobs, elsewhere) = (affinity.mine, affinity.elsewhere)
        }
        let outcomes = await recoverAll(jobs: jobs, otherHosts: elsewhere)
        var summary = RunSummary(runID: run.runID, outcomes: outcomes)
        let histories = (try? await environment.audit.historiesFromChain()) ?? [:]
        summary.pendingRecovery = jobs.map(\.name).filter { name in
            histories[name]?.needsRecovery == true && !outcomes.contains { $0.job == name }
        }
        return summary
    }

    /// Recovers every job that needs it; one outcome per job recovery touched.
    /// `otherHosts`: jobs pinned to other fleet hosts, whose spool entries are theirs to
    /// deliver (their file sinks are on those machines).
    public func recoverAll(jobs: [Job], otherHosts: Set<String> = []) async -> [JobOutcome] {
        var outcomes: [JobOutcome] = []
        var spooledJobs = Set<String>()
        let contents: SpoolContents
        do {
            contents = try await environment.spool.all()
        } catch {
            environment.log("cannot read the spool: \(error)")
            contents = SpoolContents()
        }
        for (name, problem) in contents.unreadable where !otherHosts.contains(name) {
            spooledJobs.insert(name)
            guard let job = jobs.first(where: { $0.name == name }) else {
                environment.log(
                    "the spool entry of job '\(name)', which no job file defines, cannot be read: \(problem)")
                continue
            }
            // Recorded holding the job: in a fleet another host may be delivering it now.
            let recorded = await claimed(job) { holder, _ in await holder.recordUnreadable(job, problem) }
            if let recorded { outcomes.append(recorded) }
        }
        for entry in contents.entries where !otherHosts.contains(entry.job) {
            spooledJobs.insert(entry.job)
            guard let job = jobs.first(where: { $0.name == entry.job }) else {
                environment.log(
                    "the spool holds a secret for job '\(entry.job)', which no job file defines; it is kept — restore the job file, then run `rekey recover`"
                )
                continue
            }
            if let outcome = await claimed(
                job, { holder, history in await holder.recover(entry, job: job, history: history) })
            {
                outcomes.append(outcome)
            }
        }
        // Asked of the chain by one query, not by folding every job's history: the open
        // intents are few (usually none), the jobs of a cron tick many.
        let openIntents = (try? await environment.audit.jobsWithOpenIntent()) ?? []
        for job in jobs where !spooledJobs.contains(job.name) && openIntents.contains(job.name) {
            if let outcome = await claimed(
                job, { holder, history in await holder.recoverClaimed(job, history: history).outcome })
            {
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// Runs `body` holding the job's lease, with a history read after taking it.
    private func claimed(_ job: Job, _ body: (Recovery, JobHistory) async -> JobOutcome?) async -> JobOutcome? {
        guard let lease = await environment.leases.tryClaim(job) else {
            // In a fleet another host holding the job is normal: it finishes its own work.
            if run.host != nil { return nil }
            return JobOutcome(job, .locked, message: "recovery skipped: another rekey process holds this credential")
        }
        let holder = Recovery(environment: environment.holding(lease), run: run)
        let history = (try? await environment.audit.historyFromChain(of: job.name)) ?? JobHistory()
        let outcome = await body(holder, history)
        await lease.release()
        return outcome
    }

    /// What a host that just claimed a job found left to finish.
    enum Claimed: Sendable {
        /// Nothing: rotate the job as scheduled.
        case nothingLeft
        /// Finished (or left for later, e.g. a `hosts:` secret this host already delivered
        /// while others still have to): no rotation this run. The outcome, if there is one
        /// to report.
        case handled(JobOutcome?)

        var outcome: JobOutcome? {
            if case .handled(let outcome) = self { outcome } else { nil }
        }
    }

    /// A fleet host that just claimed `job` finishes what an earlier holder left: its spooled
    /// secret, or its intent with no outcome. A holder whose lease ran out may still be
    /// answering its vendor call, so a takeover first waits out one attempt's timeout and
    /// looks at the spool again.
    func recoverClaimed(_ job: Job, history: JobHistory) async -> Claimed {
        if let entry = await spooled(job) { return .handled(await entry()) }
        guard history.openIntent else { return .nothingLeft }
        if environment.jobLease.tookOver, !environment.vendors.provider(for: job).isIdempotent {
            try? await environment.clock.sleep(for: job.policy.retry.timeout)
            if let entry = await spooled(job) { return .handled(await entry()) }
        }
        guard let settled = await settleOpenIntent(job, history: history) else { return .nothingLeft }
        return .handled(settled)
    }

    /// The recovery of the job's spool entry (or of its unreadable one), if it has one. A
    /// spool that cannot be read (a fleet's database did not answer) may hide a secret
    /// another host issued: the job is left alone this run.
    private func spooled(_ job: Job) async -> (() async -> JobOutcome?)? {
        let contents: SpoolContents
        do {
            contents = try await environment.spool.entries(of: job.name)
        } catch {
            return {
                JobOutcome(job, .notStarted, message: "the spool cannot be read (\(error)); not rotated this run")
            }
        }
        if let problem = contents.unreadable.first(where: { $0.job == job.name }) {
            return { await recordUnreadable(job, problem.problem) }
        }
        guard let entry = contents.entries.first(where: { $0.job == job.name }) else { return nil }
        return {
            let history = (try? await environment.audit.historyFromChain(of: job.name)) ?? JobHistory()
            return await recover(entry, job: job, history: history)
        }
    }

    /// The job's spool entry cannot be read: it is kept untouched, and the job needs an
    /// operator (recorded by the caller holding the job's lease).
    private func recordUnreadable(_ job: Job, _ problem: String) async -> JobOutcome {
        let reason = RotationReason.spoolUnreadable(job: job.name, problem)
        await JobJournal(environment: environment, run: run, job: job).record(reason)
        return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
    }

    /// Rolls `entry` forward. Nil when there was nothing to report: a `hosts:` secret this
    /// host already delivered (the others still have to), or its leftover copy once done.
    func recover(_ entry: SpooledSecret, job: Job, history: JobHistory) async -> JobOutcome? {
        let procedure = RotationProcedure(environment: environment, run: run, job: job)
        let share = HostShare(job: job, run: run, history: history, fingerprint: entry.fingerprint)
        // Stale or not is decided by the chain's order and fingerprints, never by clocks
        // (a clock stepped back must not make the only copy of a key look old).
        let keys =
            (try? await environment.audit.events(
                AuditEventFilter(jobs: [job.name], steps: [.issued, .adopted, .recovered])))
        guard let keys else {
            return JobOutcome(
                job, .failed, message: "cannot read the audit log to check the spooled secret; it is kept")
        }
        let recorded = keys.contains { $0.newFingerprint == entry.fingerprint }
        if let position = keys.lastIndex(where: { $0.newFingerprint == entry.fingerprint }),
            keys[(position + 1)...].contains(where: {
                $0.newFingerprint != nil && $0.newFingerprint != entry.fingerprint
            })
        {
            // The log records a newer secret after this one: it is stale.
            await environment.spool.remove(job: job.name, fingerprint: entry.fingerprint)
            environment.log("job '\(job.name)': discarded a stale spooled secret (a newer one is recorded)")
            return JobOutcome(job, .recovered, message: "discarded a stale spooled secret (a newer one is recorded)")
        }
        if recorded, history.doneFingerprint == entry.fingerprint {
            // Delivered and done; only the hooks (and removing the spool) were left — or, for
            // `hosts:`, nothing: every listed host ran its hooks before recording its delivery,
            // and a copy is all that is left (this host's own, or the shared row a crash kept).
            guard share == nil else {
                await environment.spool.remove(job: job.name, fingerprint: entry.fingerprint)
                return nil
            }
            let failure = await procedure.runHooks(scrubbing: [entry.secret])
            await environment.spool.remove(job: job.name, fingerprint: entry.fingerprint)
            return JobOutcome(job, failure == nil ? .hooksRerun : .hookFailed, message: failure?.description)
        }
        if let share, share.deliveredHere { return nil }
        if !recorded {
            // The run stopped between spooling and the `issued` row: record it now.
            await procedure.journal.issued(
                newFingerprint: entry.fingerprint, oldFingerprint: nil, expiry: entry.expiry,
                credentialID: entry.credentialID, message: "recorded on recovery")
        }
        let provider = environment.vendors.provider(for: job)
        // Two-key: the previous credential's revoke becomes pending with `done`; a later run
        // carries it out (this run does not rotate a job it recovered).
        let plan = RevokePlan.after(
            job: job, history: history, newID: entry.credentialID, oldFingerprint: history.doneFingerprint,
            now: environment.clock.now())
        if let reason = await procedure.complete(
            .spooled(entry), verification: .byPolicy(provider), revoke: plan, share: share)
        {
            return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
        }
        if let share {
            return JobOutcome(
                job, .delivered,
                message: share.pendingAfter.isEmpty
                    ? "delivered on this host the secret another listed host issued; every listed host has it now"
                    : share.waitingSentence)
        }
        return JobOutcome(job, .recovered, message: "delivered the secret an interrupted run had spooled")
    }

    /// An intent with no spool and no outcome: did the vendor rotate the key?
    func settleOpenIntent(_ job: Job, history: JobHistory) async -> JobOutcome? {
        let journal = JobJournal(environment: environment, run: run, job: job)
        let provider = environment.vendors.provider(for: job)
        if provider.issueAddsCredential {
            // Probing the old key tells nothing (it works either way): list what may be left.
            let reason = RotationReason.interruptedIssueMayHaveAddedCredential(job: job.name)
            await journal.record(reason)
            return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
        }
        guard !provider.isIdempotent else {
            // Re-issuing is harmless (older tokens stay valid): close it and rotate as usual.
            await journal.closed("an earlier run stopped during the vendor call; rotating again")
            return nil
        }
        let probe: ProbeResult
        do {
            let credentials = try await environment.credentials.resolve(job)
            guard let current = job.provider.credentialKeys.first.flatMap({ credentials[$0] }) else { return nil }
            probe = await provider.probe(current, timeout: job.policy.retry.timeout)
        } catch {
            probe = .noAnswer("\(error)")
        }
        switch probe {
        case .works:
            await journal.closed(
                "an earlier run stopped during the vendor call; the old key still works, so nothing was rotated")
            return nil
        case .noAnswer(let why):
            // Unknown either way: rotate nothing, keep the intent open, ask again next run —
            // for a few runs; then an operator must look.
            let runs = history.unsettledRuns + 1
            if runs >= Self.unsettledRunsBeforeNeedsRecovery {
                let reason = RotationReason.unsettledTooLong(job: job.name, runs: runs)
                await journal.record(reason)
                return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
            }
            let reason = RotationReason.unsettled(
                RotationReason.interruptedRegenerateUnchecked(why).description)
            await journal.record(reason)
            return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
        case .dead:
            let reason = RotationReason.interruptedRegenerateLost(job: job.name)
            await journal.record(reason)
            return JobOutcome(job, reason.outcome, message: reason.description).because(reason)
        }
    }
}
