// The rotation protocol for one job (README, "How a rotation stays safe"), as a pipeline of typed stages:
// preflight → vendor call (`IssuedSecret`) → spool (`SpooledSecret`) → delivery
// (`DeliveredSecret`) → verify → done → hooks → spool removed. Every step is audited
// before the next starts. Recovery and adoption enter at the delivery stage with a
// secret that is already spooled.

import Foundation
import RekeyDelivery
import RekeyModel
import RekeyVendor

struct RotationProcedure: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    init(environment: RunEnvironment, run: RunIdentity, job: Job) {
        self.environment = environment
        self.journal = JobJournal(environment: environment, run: run, job: job)
    }

    var job: Job { journal.job }

    /// Rotates the job (the caller holds its lease). A dry run stops after preflight.
    func rotate(dryRun: Bool) async -> JobOutcome {
        let started = environment.clock.now()
        func outcome(_ kind: JobOutcome.Kind, attempts: Int = 0, _ message: String? = nil) -> JobOutcome {
            JobOutcome(
                job, kind, attempts: attempts, seconds: environment.clock.now().timeIntervalSince(started),
                message: message)
        }
        func stopped(_ reason: RotationReason, attempts: Int = 0) async -> JobOutcome {
            await record(reason)
            return outcome(reason.outcome, attempts: attempts, reason.description).because(reason)
        }

        let credentials: ResolvedCredentials
        switch await Preflight(environment: environment, job: job).check() {
        case .failure(let reason):
            if dryRun { return outcome(reason.outcome, reason.description) }
            return await stopped(reason)
        case .success(let resolved):
            credentials = resolved
        }
        if dryRun { return outcome(.planned, "preflight ok; would call \(job.kind.rawValue)") }

        let provider = environment.vendors.provider(for: job)
        let current = credentials[job.kind.credentialKeys[0]]
        let oldFingerprint = current.map(environment.fingerprint)
        let vendor = VendorStage(environment: environment, journal: journal, provider: provider)
        switch await vendor.issue(credentials: credentials, current: current, oldFingerprint: oldFingerprint) {
        case .stopped(let reason, let attempts):
            return await stopped(reason, attempts: attempts)
        case .issued(let issued, let attempts, let mustVerify, let survived):
            let verification: Verification = mustVerify ? .required(provider) : .byPolicy(provider)
            let kept = await SpoolStage(environment: environment, journal: journal).keep(
                issued, oldFingerprint: oldFingerprint)
            if let reason = await complete(kept, verification: verification) {
                return outcome(reason.outcome, attempts: attempts, reason.description).because(reason)
            }
            if case .inMemoryOnly(_, let why) = kept {
                return outcome(.rotated, attempts: attempts, RotationReason.deliveredWithoutSpool(why).description)
            }
            // Say what was survived: an operator reading "2 attempts" wants to know why.
            let detail = survived.isEmpty ? nil : "survived: " + survived.joined(separator: "; ")
            return outcome(.rotated, attempts: attempts, detail)
        }
    }

    /// A kept secret's way to `done`: sinks → verify → done → hooks → spool removed.
    /// The reason the job stopped short (already recorded), or nil when it is done. A secret
    /// a failed spool write left only in memory cannot be delivered later: a sink it did not
    /// reach makes the job need an operator.
    func complete(_ kept: SpoolStage.Kept, verification: Verification) async -> RotationReason? {
        let spooled: SpooledSecret
        let inSpool: Bool
        switch kept {
        case .spooled(let secret): (spooled, inSpool) = (secret, true)
        case .inMemoryOnly(let secret, _): (spooled, inSpool) = (secret, false)
        }
        let delivered: DeliveredSecret
        switch await DeliveryStage(environment: environment, journal: journal).deliver(spooled) {
        case .failure(let reason):
            let final = inSpool ? reason : .undeliveredWithoutSpool(job: job.name, reason.description)
            await record(final)
            return final
        case .success(let value):
            delivered = value
        }
        if case .failure(let reason) = await VerifyStage(journal: journal).verify(delivered, verification) {
            await record(reason)
            return reason
        }
        await journal.done(fingerprint: spooled.fingerprint, expiry: spooled.expiry)
        let hookFailure = await runHooks(scrubbing: [spooled.secret])
        await environment.spool.remove(job: job.name)
        return hookFailure
    }

    /// Runs the job's hooks; the reason when one failed (its `hook` row is the record).
    func runHooks(scrubbing secrets: [Secret] = []) async -> RotationReason? {
        await HookStage(environment: environment, journal: journal).run(scrubbing: secrets)
    }

    /// Records why the job stopped: a `failed` or `needs-recovery` row (a failed hook has
    /// its own `hook` row; a job a stop kept from starting changed nothing and records nothing).
    func record(_ reason: RotationReason) async {
        switch reason.outcome {
        case .needsRecovery: await journal.needsRecovery(reason)
        case .unsettled: await journal.unsettled(reason)
        case .hookFailed, .notStarted: break
        default: await journal.failed(reason)
        }
    }
}
