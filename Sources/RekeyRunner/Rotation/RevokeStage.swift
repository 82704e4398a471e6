// Two-key, the last stage: revoke the previous credential once its overlap has ended.
// Immediately before the request it checks that revoking cannot take the app's working
// credential away: the id is not the current credential's own, the credential the job
// reads is the one rekey delivered last (by fingerprint), every sink holds that same one,
// and the vendor answers that it works. Any check that fails, or a vendor that refuses,
// leaves the revoke pending (`revoke-failed`), to be retried by a later run with the
// failure backoff; nothing new is issued meanwhile. Never a secret in a row or a message.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyVendor

struct RevokeStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    var job: Job { journal.job }

    /// Revokes `id`. `currentID` and `currentFingerprint` describe the credential the last
    /// `done` delivered; `revokedFingerprint` the one `id` names, when known. Returns nil once
    /// `revoked` is recorded, else the reason (recorded as `revoke-failed`).
    func revoke(id: String, currentID: String?, currentFingerprint: String?, revokedFingerprint: String?) async
        -> RotationReason?
    {
        let reason: RotationReason
        switch await revokeChecked(
            id: id, currentID: currentID, currentFingerprint: currentFingerprint, revokedFingerprint: revokedFingerprint
        )
        {
        case .success(let note):
            await journal.commit([journal.revokedRow(id: id, currentFingerprint: currentFingerprint, note: note)])
            return nil
        case .failure(let why):
            reason = .revokeNotDone(id: id, why: why.text)
        }
        await journal.record(reason)
        return reason
    }

    /// Why a revoke was not carried out (a plain sentence, never a secret).
    struct Refusal: Error {
        var text: String
    }

    private func revokeChecked(
        id: String, currentID: String?, currentFingerprint: String?, revokedFingerprint: String?
    ) async -> Result<String?, Refusal> {
        if id == currentID {
            return .failure(Refusal(text: "it is the id of the current credential, which rekey never revokes"))
        }
        if let revokedFingerprint, revokedFingerprint == currentFingerprint {
            // The credential it names was delivered again since (adopted back, say).
            return .failure(
                Refusal(
                    text:
                        "it names the credential the sinks hold now (fingerprint \(revokedFingerprint)), which rekey never revokes"
                ))
        }
        let provider = environment.vendors.provider(for: job)
        guard job.provider.twoKeyRevoke != nil, provider.issueAddsCredential,
            let revoker = provider as? any TwoKeyProvider
        else {
            return .failure(
                Refusal(
                    text:
                        "the job is no longer a two-key rotation with a revoke request; revoke it at the vendor by hand"
                ))
        }
        guard let currentFingerprint else {
            return .failure(Refusal(text: "no delivered credential is recorded to check the sinks against"))
        }
        let credentials: ResolvedCredentials
        do {
            credentials = try await environment.credentials.resolve(job)
        } catch {
            return .failure(Refusal(text: "the job's credentials cannot be read (\(error))"))
        }
        guard let key = job.provider.credentialKeys.first, let current = credentials[key] else {
            return .failure(Refusal(text: "the job has no current credential to check"))
        }
        let readFingerprint = environment.fingerprint(current)
        guard readFingerprint == currentFingerprint else {
            return .failure(
                Refusal(
                    text:
                        "the credential the job reads (fingerprint \(readFingerprint)) is not the one rekey delivered last (\(currentFingerprint))"
                ))
        }
        // Every sink, not only the one the credential is read from: an app reading another
        // sink would lose its working credential with the revoke.
        for sink in job.sinks {
            do {
                let held = environment.fingerprint(try await environment.sinks.read(sink))
                guard held == currentFingerprint else {
                    return .failure(
                        Refusal(
                            text:
                                "sink '\(sink.id)' does not hold the new credential (fingerprint \(held), expected \(currentFingerprint)); `rekey recover` or the next run delivers it"
                        ))
                }
            } catch {
                return .failure(Refusal(text: "sink '\(sink.id)' cannot be read back (\(error))"))
            }
        }
        switch await provider.probe(current, timeout: job.policy.retry.timeout) {
        case .works: break
        case .dead:
            return .failure(
                Refusal(text: "the vendor rejects the new credential, so the old one may be the only working one"))
        case .noAnswer(let why):
            return .failure(Refusal(text: "the new credential could not be checked (\(why))"))
        }
        do {
            try await revoker.revoke(
                id: id, current: current, credentials: credentials, timeout: job.policy.retry.timeout)
            return .success(nil)
        } catch let error where error.status == 404 || error.status == 410 {
            // A revoke whose answer was lost, retried: the vendor no longer knows the id.
            return .success("the vendor answered \(error.status!): it no longer knows this id")
        } catch {
            return .failure(Refusal(text: "\(error)"))
        }
    }
}
