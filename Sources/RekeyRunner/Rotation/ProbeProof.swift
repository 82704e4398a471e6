// When the probe before a regenerate can be skipped (DESIGN "Rotation protocol", step 1):
// an earlier probe of this job with the same probe configuration gave a definite answer,
// and the current key is the one rekey last delivered. Skipping it is safe because a 401
// on the regenerate is never taken as "nothing changed": it is settled like any ambiguous
// answer (probe, then retry, fail or needs-recovery).

import RekeyModel
import RekeySchedule
import RekeyVendor

struct ProbeProof: Sendable {
    /// A keyed digest of what the provider's probe asks; nil when it cannot probe.
    let digest: String?

    init(environment: RunEnvironment, provider: any Provider) {
        digest = provider.probeConfiguration.map { environment.fingerprint(Secret($0)) }
    }

    /// Whether `history` proves this probe for the key whose fingerprint is `current`.
    func covers(_ history: JobHistory, current: String?) -> Bool {
        guard let digest, let current else { return false }
        return history.provenProbe == digest && history.doneFingerprint == current
    }
}
