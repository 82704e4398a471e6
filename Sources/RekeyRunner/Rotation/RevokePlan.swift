// Two-key: what a completed rotation leaves to revoke. The previous credential's id is the
// one rekey recorded when it issued the current credential, or, for a job's first rotation,
// the job's `previous_id:`. Without one the old credential is left alone, and the outcome
// says so; rekey never guesses an id, never names the new credential's own id, and never an
// id that cannot travel safely in the revoke URL.

import Foundation
import RekeyModel
import RekeySchedule

enum RevokePlan: Sendable, Equatable {
    /// Not a two-key rotation: nothing to revoke.
    case nothing
    /// Revoke `id` at or after `due` (the `revoke-pending` row, committed with `done`);
    /// `fingerprint` is the credential it names, as rekey last knew it.
    case revoke(id: String, due: Date, fingerprint: String?, warning: String?)
    /// Leave the old credential alone, and say why.
    case leave(warning: String)

    /// The plan for a two-key rotation of `job` that completes now with the new credential
    /// `newID`; `history` is the job's history from before this rotation's `done`, and
    /// `oldFingerprint` the fingerprint of the credential it replaces.
    static func after(job: Job, history: JobHistory, newID: String?, oldFingerprint: String?, now: Date)
        -> RevokePlan
    {
        guard let revoke = job.provider.twoKeyRevoke else { return .nothing }
        // An answer without an id: this credential works, but no later rotation can name it.
        let noNewID =
            newID == nil
            ? "the vendor's answer held no id for the new credential, so its own next rotation cannot revoke it"
            : nil
        let previous = history.currentCredentialID ?? (history.lastSuccess == nil ? job.previousID : nil)
        guard let previous else {
            let why =
                history.lastSuccess == nil
                ? "the old credential was left alone: name previous_id to have rekey revoke it"
                : "the old credential was left alone: rekey does not know its id (it was adopted, issued without one, or current before the job was two-key; previous_id applies only to a job's first rotation); revoke it at the vendor by hand"
            return .leave(warning: [why, noNewID].compactMap { $0 }.joined(separator: "; "))
        }
        if previous == newID {
            return .leave(
                warning:
                    "the old credential was left alone: its id (\(previous)) is the new credential's own, and rekey never revokes the current credential"
            )
        }
        guard CredentialID.isSafe(previous) else {
            return .leave(
                warning:
                    "the old credential was left alone: its id holds \(CredentialID.refusedCharacters) and cannot travel safely in the revoke URL; revoke it at the vendor by hand"
            )
        }
        return .revoke(
            id: previous, due: now + revoke.after.timeInterval, fingerprint: oldFingerprint, warning: noNewID)
    }
}
