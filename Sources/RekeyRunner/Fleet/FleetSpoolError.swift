// Why the fleet's spool did not keep a new secret in both of its places. Each message says
// where the secret is now (never the secret itself) and what happens or what to do next:
// `SpoolStage` logs it and delivers the secret from memory.

import Foundation
import RekeyModel

public enum FleetSpoolError: Error, LocalizedError, CustomStringConvertible {
    /// A secret reached the fleet spool without the fencing token of the lease it was issued
    /// under: a fleet run spools only under a lease, so this is a bug in rekey, not a setup
    /// problem. Nothing was written (a made-up token would bind the entry to a lease that
    /// never existed).
    case noFencingToken(job: String)
    /// AES-GCM refused to seal (never expected with a 256-bit key and a random nonce).
    case sealing(job: String, why: String)
    /// The shared row could not be written; this host's sealed copy in `localCopy` holds the secret.
    case sharedNotWritten(job: String, why: String, localCopy: String)
    /// This host's copy could not be written; the shared row holds the secret.
    case localNotWritten(job: String, why: String)
    /// Neither could be written: the secret is only in memory.
    case notWritten(job: String, local: String, shared: String)

    public var description: String {
        switch self {
        case .noFencingToken(let job):
            "job '\(job)' reached the shared spool without the fencing token of its lease, so its new secret was not spooled (a bug in rekey: please report it with this message)"
        case .sealing(let job, let why):
            "the new secret of job '\(job)' could not be sealed for the spool (\(why)); nothing was spooled"
        case .sharedNotWritten(let job, let why, let copy):
            "the shared spool did not take the new secret of job '\(job)' (\(why)); only this host's sealed copy \(copy) holds it, which no other host can see. Check the database; if the secret is not delivered now, a later run on this host delivers it from that copy (keep it)"
        case .localNotWritten(let job, let why):
            "this host's spool did not take the new secret of job '\(job)' (\(why)); the shared spool holds it, sealed, so any host can still roll it forward. Fix this host's state directory"
        case .notWritten(let job, let local, let shared):
            "neither this host's spool (\(local)) nor the shared spool (\(shared)) took the new secret of job '\(job)'; it is only in memory. Fix the state directory and the database before the next run"
        }
    }

    public var errorDescription: String? { description }
}
