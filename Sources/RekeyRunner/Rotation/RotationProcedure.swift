// The rotation protocol for one job (README, "How a rotation stays safe"), as a pipeline
// of typed stages: preflight → vendor call (`IssuedSecret`) → spool (`SpooledSecret`,
// committed as `issued`) → then, for a regenerate, delivery → hooks → verify, and for a
// login or a two-key issue, verify → delivery → hooks → `done` (with the stages' rows) →
// spool removed; for a two-key issue then the revoke of the previous credential, right away
// when its overlap (`after`) is 0, else by a later run (`RotationProcedure+TwoKey`).
// Recovery and adoption enter at `complete` with a secret that is already spooled.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeySchedule
import RekeyVendor

struct RotationProcedure: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    init(environment: RunEnvironment, run: RunIdentity, job: Job) {
        self.environment = environment
        self.journal = JobJournal(environment: environment, run: run, job: job)
    }

    var job: Job { journal.job }

    /// Rotates the job (the caller holds its lease); `history` is the job's, as scheduled.
    func rotate(history: JobHistory) async -> JobOutcome {
        let started = environment.clock.now()
        func outcome(_ kind: JobOutcome.Kind, attempts: Int = 0, _ message: String? = nil) -> JobOutcome {
            JobOutcome(
                job, kind, attempts: attempts, seconds: environment.clock.now().timeIntervalSince(started),
                message: message)
        }
        func stopped(_ reason: RotationReason, attempts: Int = 0) async -> JobOutcome {
            await journal.record(reason)
            return outcome(reason.outcome, attempts: attempts, reason.description).because(reason)
        }

        let credentials: ResolvedCredentials
        switch await Preflight(environment: environment, job: job).check() {
        case .failure(let reason):
            return await stopped(reason)
        case .success(let resolved):
            credentials = resolved
        }

        let provider = environment.vendors.provider(for: job)
        let current = job.provider.credentialKeys.first.flatMap { credentials[$0] }
        let oldFingerprint = current.map(environment.fingerprint)
        let vendor = VendorStage(environment: environment, journal: journal, provider: provider)
        switch await vendor.issue(
            credentials: credentials, current: current, oldFingerprint: oldFingerprint, history: history)
        {
        case .stopped(let reason, let attempts):
            return await stopped(reason, attempts: attempts)
        case .issued(let issued, let attempts, let mustVerify, let survived, let attemptRow):
            let verification: Verification = mustVerify ? .required(provider) : .byPolicy(provider)
            let kept = await SpoolStage(environment: environment, journal: journal).keep(
                issued, oldFingerprint: oldFingerprint, after: [attemptRow].compactMap { $0 })
            let plan = RevokePlan.after(
                job: job, history: history, newID: issued.credentialID, oldFingerprint: oldFingerprint,
                now: environment.clock.now())
            // A secret only in memory is for no other host to deliver: this one writes all. A
            // secret just issued has no deliveries yet (its `issued` row clears any).
            let share: HostShare? =
                if case .spooled = kept {
                    HostShare(job: job, run: journal.run, history: JobHistory(), fingerprint: kept.secret.fingerprint)
                } else { nil }
            if let reason = await complete(kept, verification: verification, revoke: plan, share: share) {
                return outcome(reason.outcome, attempts: attempts, reason.description).because(reason)
            }
            if case .inMemoryOnly(_, let why) = kept {
                var text = RotationReason.deliveredWithoutSpool(why).description
                let others = job.hosts.filter { $0 != journal.run.host }
                if journal.run.host != nil, !others.isEmpty {
                    text +=
                        "; the other hosts of hosts: (\(others.joined(separator: ", "))) cannot receive it from the spool: on each, \(NextStep.adopt(job: job.name)) with the value this host's sinks now hold"
                }
                return outcome(.rotated, attempts: attempts, text)
            }
            if let share, !share.pendingAfter.isEmpty {
                return outcome(.rotated, attempts: attempts, share.waitingSentence)
            }
            // Say what was survived: an operator reading "2 attempts" wants to know why.
            var details = survived.isEmpty ? [] : ["survived: " + survived.joined(separator: "; ")]
            let (said, revokeFailure) = await afterDone(plan)
            details += said
            if let revokeFailure {
                let text = (details + ["rotated, but " + revokeFailure.description]).joined(separator: "; ")
                return outcome(revokeFailure.outcome, attempts: attempts, text).because(revokeFailure)
            }
            return outcome(.rotated, attempts: attempts, details.isEmpty ? nil : details.joined(separator: "; "))
        }
    }

    /// A kept secret's way to `done`. The order depends on what happened to the old key:
    /// - a regenerate killed it, so the app is down until its reload hook runs (the blackout
    ///   window): sinks → hooks → verify → done, and nothing that can wait sits in between;
    /// - a login left it valid, so the app must never reload onto an unverified credential:
    ///   verify → sinks → hooks → done.
    /// The sink-written, hook and verified rows are committed with `done` (or with the reason
    /// the job stopped) in one transaction; a crash before it leaves the spool and `issued`,
    /// and recovery delivers again and re-runs the hooks (hooks are idempotent). Returns the
    /// reason the job stopped short (recorded), or nil when it is done. A secret a failed
    /// spool write left only in memory cannot be delivered later: a sink it did not reach
    /// makes the job need an operator.
    ///
    /// `revoke` (two-key): a pending revoke of the previous credential is committed with `done`,
    /// so it cannot be lost between the two.
    ///
    /// `share` (fleet, `hosts: [..]`): this host writes only its share of the sinks and
    /// records `delivered`; `done` (and the revoke, and removing the spool) waits for the
    /// last listed host to deliver.
    func complete(
        _ kept: SpoolStage.Kept, verification: Verification, revoke: RevokePlan = .nothing, share: HostShare? = nil
    ) async -> RotationReason? {
        let spooled = kept.secret
        let inSpool: Bool
        if case .spooled = kept { inSpool = true } else { inSpool = false }
        // A two-key issue leaves the old credential working, like a login.
        let oldKeyDied = job.provider.rotationKillsOldCredential
        let verify = VerifyStage(environment: environment, journal: journal)
        var rows: [AuditEvent] = []
        if !oldKeyDied, let rejected = await verify.verify(spooled, verification, rows: &rows) {
            await journal.record(rejected, after: rows)
            return rejected
        }
        // Fleet: a host whose lease ran out leaves a spooled secret to the job's next holder
        // (two holders writing sinks could leave the older key last); a secret only in memory
        // is delivered regardless, since nobody else has it.
        if inSpool, !(await environment.jobLease.isHeld(leaving: 0)) {
            let reason = RotationReason.leaseLost(job: job.name, before: "delivery", needed: 0)
            await journal.record(reason, after: rows)
            return reason
        }
        if case .failure(let reason) = await DeliveryStage(environment: environment, journal: journal).deliver(
            spooled, to: share?.sinks(of: job), rows: &rows)
        {
            let final = inSpool ? reason : .undeliveredWithoutSpool(job: job.name, reason.description)
            await journal.record(final, after: rows)
            return final
        }
        let hookFailure = await HookStage(environment: environment, journal: journal).run(
            scrubbing: [spooled.secret], rows: &rows)
        // Verify runs even when a hook failed: the secret is delivered either way.
        if oldKeyDied, let rejected = await verify.verify(spooled, verification, rows: &rows) {
            await journal.record(rejected, after: rows)
            return rejected
        }
        if let share {
            rows.append(journal.deliveredRow(fingerprint: spooled.fingerprint, pending: share.pendingAfter))
            // Other hosts still deliver from the spool: it stays, and nothing is done yet.
            guard share.pendingAfter.isEmpty else {
                await journal.commit(rows)
                return hookFailure
            }
        }
        var pending: [AuditEvent] = []
        if case .revoke(let id, let due, let revokedFingerprint, _) = revoke {
            pending.append(
                journal.revokePendingRow(
                    id: id, due: due, currentFingerprint: spooled.fingerprint, revokedFingerprint: revokedFingerprint))
        }
        await journal.commit(
            rows + [
                journal.doneRow(
                    fingerprint: spooled.fingerprint, expiry: spooled.expiry, credentialID: spooled.credentialID)
            ] + pending)
        await environment.spool.remove(job: job.name, fingerprint: spooled.fingerprint)
        return hookFailure
    }

    /// Runs the job's hooks and records their rows; the reason when one failed (its `hook`
    /// row is the record).
    func runHooks(scrubbing secrets: [Secret] = []) async -> RotationReason? {
        var rows: [AuditEvent] = []
        let failure = await HookStage(environment: environment, journal: journal).run(scrubbing: secrets, rows: &rows)
        await journal.commit(rows)
        return failure
    }
}
