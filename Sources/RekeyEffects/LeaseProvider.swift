// The lock seam: a job is rotated by at most one process at a time. `LockDirectory`
// (flock on files in the state directory) is the production type; a fleet can hand out
// leases from a shared database instead.

import RekeyModel

/// A held claim on a job; released by `release()` or when the process dies.
public protocol Lease: Sendable {
    func release()
}

public protocol LeaseProvider: Sendable {
    /// Claims `job` without waiting; nil when another process holds it.
    func tryClaim(_ job: Job) -> (any Lease)?
}
