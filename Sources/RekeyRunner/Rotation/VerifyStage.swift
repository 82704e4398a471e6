// Stage 5: probe the delivered secret with the vendor. A rejected new key means the vendor
// may hold another one (needs-recovery); no answer is recorded and does not fail the job,
// because the secret is delivered either way.

import RekeyModel
import RekeyVendor

/// Whether the delivered secret is probed.
enum Verification: Sendable {
    /// Not probed (`rekey adopt --no-verify`).
    case skip
    /// Probed when the job's `policy.verify` says so (the default).
    case byPolicy(any Provider)
    /// Always probed: an earlier attempt was ambiguous.
    case required(any Provider)
}

struct VerifyStage: Sendable {
    let journal: JobJournal

    func verify(_ delivered: DeliveredSecret, _ verification: Verification) async -> Result<
        DeliveredSecret, RotationReason
    > {
        let job = journal.job
        let provider: any Provider
        switch verification {
        case .skip: return .success(delivered)
        case .byPolicy(let byPolicy):
            guard job.policy.verify else { return .success(delivered) }
            provider = byPolicy
        case .required(let required): provider = required
        }
        guard provider.canProbe else { return .success(delivered) }
        switch await provider.probe(delivered.spooled.secret, timeout: job.policy.retry.timeout) {
        case .works:
            await journal.verified(fingerprint: delivered.spooled.fingerprint)
        case .dead:
            return .failure(.newKeyRejected(job: job.name))
        case .noAnswer(let why):
            await journal.probe("verify had no answer (\(why)); the secret was delivered")
        }
        return .success(delivered)
    }
}
