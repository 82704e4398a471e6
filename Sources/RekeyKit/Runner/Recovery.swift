// `rekey recover`, and the first step of every run: finish what an earlier run left
// unfinished. Two cases:
// - a secret in the spool (issued, not yet delivered everywhere): deliver it, while it
//   is still the newest one recorded for its job (roll forward, never back);
// - an open intent with no spool (the run stopped while a regenerate was in flight):
//   probe the old key — it works → nothing happened, rotate normally; dead or no
//   answer → the vendor may hold a key nobody has: needs-recovery.

import Foundation

public struct Recovery: Sendable {
    let context: RunContext

    /// `rekey recover`: the recovery step of a run, alone.
    public static func recoverAll(context: RunContext, jobs: [Job]) async -> [JobOutcome] {
        await Recovery(context: context).recoverAll(jobs: jobs)
    }

    func recoverAll(jobs: [Job]) async -> [JobOutcome] {
        var outcomes: [JobOutcome] = []
        var spooledJobs = Set<String>()
        do {
            for entry in try context.spooled() {
                spooledJobs.insert(entry.job)
                guard let job = jobs.first(where: { $0.name == entry.job }) else {
                    context.log(
                        "the spool holds a secret for job '\(entry.job)', which no job file defines; it is kept — restore the job file, then run `rekey recover`"
                    )
                    continue
                }
                if let outcome = await locked(job, { history in await recover(entry, job: job, history: history) }) {
                    outcomes.append(outcome)
                }
            }
        } catch {
            context.log("cannot read the spool: \(error)")
        }
        let histories = (try? await context.audit.histories()) ?? [:]
        for job in jobs where !spooledJobs.contains(job.name) && histories[job.name]?.openIntent == true {
            if let outcome = await locked(job, { _ in await settleOpenIntent(job) }) {
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// Runs `body` under the job's lock with a fresh history; a held lock is reported.
    private func locked(_ job: Job, _ body: (JobHistory) async -> JobOutcome?) async -> JobOutcome? {
        guard let lock = context.tryLock(job) else {
            return JobOutcome(job, .locked, message: "recovery skipped: another rekey process holds this credential")
        }
        defer { lock.release() }
        let history = (try? await context.audit.histories())?[job.name] ?? JobHistory()
        return await body(history)
    }

    func recover(_ entry: SpooledSecret, job: Job, history: JobHistory) async -> JobOutcome {
        let procedure = RotationProcedure(context: context, job: job)
        let recorded = history.latestFingerprint == entry.fingerprint
        if !recorded, let at = history.latestFingerprintAt, at >= entry.issuedAt {
            // A newer secret was issued or adopted after this one was spooled: it is stale.
            context.removeSpool(job)
            context.log("job '\(job.name)': discarded a stale spooled secret (a newer one is recorded)")
            return JobOutcome(job, .recovered, message: "discarded a stale spooled secret (a newer one is recorded)")
        }
        if recorded, history.doneFingerprint == entry.fingerprint {
            // Delivered and done; only the hooks (and removing the spool) were left.
            let failure = await procedure.runHooks()
            context.removeSpool(job)
            return JobOutcome(job, failure == nil ? .hooksRerun : .hookFailed, message: failure)
        }
        if !recorded {
            // The run stopped between spooling and the `issued` row: record it now.
            var row = AuditEvent.job(job, step: .issued, runID: context.runID, time: context.clock.now())
            row.newFingerprint = entry.fingerprint
            row.expiry = entry.expiry
            row.message = "recorded on recovery"
            await procedure.record(row, required: true)
        }
        let provider = context.makeProvider(job)
        var outcome = await procedure.deliver(
            entry.secret, expiry: entry.expiry, oldFingerprint: nil, mustVerify: false, provider: provider, fresh: false
        )
        if outcome.kind == .recovered {
            outcome.message = "delivered the secret an interrupted run had spooled"
        }
        return outcome
    }

    /// An intent with no spool and no outcome: did the vendor rotate the key?
    func settleOpenIntent(_ job: Job) async -> JobOutcome? {
        let procedure = RotationProcedure(context: context, job: job)
        let provider = context.makeProvider(job)
        func event(_ step: AuditStep, _ message: String) -> AuditEvent {
            AuditEvent.job(job, step: step, runID: context.runID, time: context.clock.now(), message: message)
        }
        guard !provider.isIdempotent else {
            // Re-issuing is harmless (older tokens stay valid): close it and rotate as usual.
            await procedure.record(event(.failed, "an earlier run stopped during the vendor call; rotating again"))
            return nil
        }
        let probe: ProbeResult
        do {
            let credentials = try context.resolveCredentials(job)
            guard let current = credentials[job.kind.credentialKeys[0]] else { return nil }
            probe = await provider.probe(current, timeout: job.policy.retry.timeout)
        } catch {
            probe = .noAnswer("\(error)")
        }
        switch probe {
        case .works:
            await procedure.record(
                event(
                    .failed,
                    "an earlier run stopped during the vendor call; the old key still works, so nothing was rotated"))
            return nil
        case .noAnswer(let why):
            // Unknown either way: rotate nothing, keep the intent open, ask again next run.
            let message =
                "an earlier run stopped during a regenerate and the old key could not be checked (\(why)); nothing was rotated, the next run checks again"
            context.log("job '\(job.name)': \(message)")
            return JobOutcome(job, .failed, message: message)
        case .dead:
            let message =
                "an earlier run stopped while a regenerate was in flight and the old key is now rejected: the vendor issued a new key whose answer was lost. Get the current key from the vendor and run `rekey adopt --job \(job.name)`"
            await procedure.record(event(.needsRecovery, message))
            return JobOutcome(job, .needsRecovery, message: message)
        }
    }
}
