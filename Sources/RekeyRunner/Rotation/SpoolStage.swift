// Stage 3: keep the new secret. It is written to the spool (durable before this returns)
// and recorded as `issued` before any sink is touched, so whatever happens next the
// secret survives and recovery can deliver it.

import RekeyDelivery
import RekeyModel
import RekeyVendor

struct SpoolStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    func keep(_ issued: IssuedSecret, oldFingerprint: String?) async -> Result<SpooledSecret, RotationReason> {
        let job = journal.job
        let spooled = SpooledSecret(
            job: job.name, secret: issued.secret, fingerprint: environment.fingerprint(issued.secret),
            issuedAt: environment.clock.now(), expiry: issued.expiry)
        do {
            try await environment.spool.write(spooled)
        } catch {
            // The vendor issued a key rekey could not keep: the old one may be dead already.
            return .failure(.spoolFailed(job: job.name, "\(error)"))
        }
        await journal.issued(
            newFingerprint: spooled.fingerprint, oldFingerprint: oldFingerprint, expiry: spooled.expiry,
            requestID: issued.requestID)
        return .success(spooled)
    }
}
