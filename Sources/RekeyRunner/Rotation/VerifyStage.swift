// Stage 5: probe the delivered secret with the vendor. A rejected new key means the vendor
// may hold another one (needs-recovery); no answer is recorded and does not fail the job,
// because the secret is delivered either way.

import RekeyAudit
import RekeyDelivery
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
    let environment: RunEnvironment
    let journal: JobJournal

    /// Probes `secret` when `verification` asks; `rows` gets the `verified` (or no-answer
    /// `probe`) row. The reason when the vendor rejects the new key.
    func verify(_ secret: SpooledSecret, _ verification: Verification, rows: inout [AuditEvent]) async
        -> RotationReason?
    {
        let job = journal.job
        let provider: any Provider
        switch verification {
        case .skip: return nil
        case .byPolicy(let byPolicy):
            guard job.policy.verify else { return nil }
            provider = byPolicy
        case .required(let required): provider = required
        }
        guard provider.canProbe else { return nil }
        switch await provider.probe(secret.secret, timeout: job.policy.retry.timeout) {
        case .works:
            rows.append(
                journal.verifiedRow(
                    fingerprint: secret.fingerprint,
                    provenProbe: ProbeProof(environment: environment, provider: provider).digest))
        case .dead:
            return .newKeyRejected(job: job.name)
        case .noAnswer(let why):
            rows.append(journal.probeRow("verify had no answer (\(why)); the secret was delivered"))
        }
        return nil
    }
}
