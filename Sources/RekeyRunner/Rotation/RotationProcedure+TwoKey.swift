// Two-key, once a rotation is `done`: what its revoke plan says to the operator, and the
// revoke itself when it is already due (`after: 0`), or alone when a later run finds it
// due. A revoke is only ever sent from the log: the pending row must be there first.

import Foundation
import RekeyModel
import RekeySchedule

extension RotationProcedure {
    /// Carries out `plan` after a completed rotation: the sentences for the outcome, and the
    /// reason when a revoke that was due failed (recorded as `revoke-failed`).
    func afterDone(_ plan: RevokePlan) async -> (details: [String], failure: RotationReason?) {
        switch plan {
        case .nothing:
            return ([], nil)
        case .leave(let warning):
            return ([warning], nil)
        case .revoke(let id, let due, _, let warning):
            var details = [warning].compactMap { $0 }
            guard due <= environment.clock.now() else {
                details.append("the previous credential (id \(id)) is revoked at or after \(Timestamps.iso8601(due))")
                return (details, nil)
            }
            // `after: 0`: the overlap is over as soon as the app reloaded onto the new
            // credential. Carried out from the log, as a later run would: only a revoke the
            // log holds as pending (with the `done` it follows) is ever sent.
            guard let durable = try? await environment.audit.histories()[job.name], durable.pendingRevokeID == id else {
                details.append("the previous credential (id \(id)) is revoked by a later run")
                return (details, nil)
            }
            if let failure = await RevokeStage(environment: environment, journal: journal).revoke(
                id: id, currentID: durable.currentCredentialID, currentFingerprint: durable.doneFingerprint,
                revokedFingerprint: durable.pendingRevokeFingerprint)
            {
                return (details, failure)
            }
            details.append("revoked the previous credential (id \(id))")
            return (details, nil)
        }
    }

    /// A due pending revoke, alone: nothing is issued in this run.
    func revokePending(history: JobHistory) async -> JobOutcome {
        let started = environment.clock.now()
        guard let id = history.pendingRevokeID else { return JobOutcome(job, .revoked, message: "nothing to revoke") }
        let reason = await RevokeStage(environment: environment, journal: journal).revoke(
            id: id, currentID: history.currentCredentialID, currentFingerprint: history.doneFingerprint,
            revokedFingerprint: history.pendingRevokeFingerprint)
        let outcome = JobOutcome(
            job, reason?.outcome ?? .revoked, seconds: environment.clock.now().timeIntervalSince(started),
            message: reason?.description ?? "revoked the previous credential (id \(id))")
        return reason.map(outcome.because) ?? outcome
    }
}
