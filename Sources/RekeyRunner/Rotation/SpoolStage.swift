// Stage 3: keep the new secret. It is written to the spool (durable before this returns)
// and recorded as `issued` before any sink is touched, so whatever happens next the
// secret survives and recovery can deliver it. If the spool cannot take it after all
// (preflight proved it could), the secret in memory still goes to the sinks — throwing
// it away would lose the only working key — and the job says so loudly.

import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyVendor

struct SpoolStage: Sendable {
    /// Where the new secret is kept until `done`.
    enum Kept: Sendable {
        /// In the spool: a crash from here on is recovered.
        case spooled(SpooledSecret)
        /// Only in memory (the spool write failed): delivered now or lost.
        case inMemoryOnly(SpooledSecret, why: String)

        /// The secret, wherever it is kept.
        var secret: SpooledSecret {
            switch self {
            case .spooled(let secret), .inMemoryOnly(let secret, _): secret
            }
        }
    }

    let environment: RunEnvironment
    let journal: JobJournal

    /// `rows` (the successful attempt) are committed with the `issued` row.
    func keep(_ issued: IssuedSecret, oldFingerprint: String?, after rows: [AuditEvent] = []) async -> Kept {
        let job = journal.job
        let secret = SpooledSecret(
            job: job.name, secret: issued.secret, fingerprint: environment.fingerprint(issued.secret),
            issuedAt: environment.clock.now(), expiry: issued.expiry,
            credentialID: issued.credentialID, fencingToken: environment.jobLease.fencingToken)
        do {
            try await environment.spool.write(secret)
        } catch {
            let why = "\(error)"
            environment.log(
                "job '\(job.name)': the new secret could not be spooled (\(why)); delivering it from memory, without the safety net"
            )
            await journal.issued(
                newFingerprint: secret.fingerprint, oldFingerprint: oldFingerprint, expiry: secret.expiry,
                requestID: issued.requestID, credentialID: issued.credentialID,
                message: "not spooled (\(why)): delivered from memory", after: rows)
            return .inMemoryOnly(secret, why: why)
        }
        await journal.issued(
            newFingerprint: secret.fingerprint, oldFingerprint: oldFingerprint, expiry: secret.expiry,
            requestID: issued.requestID, credentialID: issued.credentialID, after: rows)
        return .spooled(secret)
    }
}
