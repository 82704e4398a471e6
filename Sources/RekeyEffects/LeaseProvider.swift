// The lock seam: a job is rotated by at most one process at a time. `LockDirectory`
// (flock on files in the state directory) is the production type on one host; a fleet
// takes leases from its shared database instead (`FleetLeases`), which can run out or be
// taken over, so a holder asks `isHeld` before each step that must be its alone.

import RekeyModel

/// A held claim on a job; released by `release()` or when the process dies (a lock) or the
/// lease runs out (a fleet).
public protocol Lease: Sendable {
    /// The fleet's fencing token of this claim (it only grows from claim to claim); nil for
    /// a lock on one host.
    var fencingToken: Int64? { get }
    /// Whether this claim was taken from a holder whose lease ran out: that holder may have
    /// died in the middle of a vendor call.
    var tookOver: Bool { get }
    /// Whether the claim is still this process's with at least `seconds` left on it (a
    /// fleet lease is renewed by asking). A lock is held until it is released.
    func isHeld(leaving seconds: Double) async -> Bool
    func release() async
}

extension Lease {
    public var fencingToken: Int64? { nil }
    public var tookOver: Bool { false }
    public func isHeld(leaving seconds: Double) async -> Bool { true }
}

public protocol LeaseProvider: Sendable {
    /// Claims `job` without waiting; nil when another process holds it.
    func tryClaim(_ job: Job) async -> (any Lease)?
}

/// A claim nobody else can take over: a dry run's (it changes nothing), and the one a
/// rotation holds before any lease was asked for.
public struct UnsharedLease: Lease {
    public init() {}
    public func release() async {}
}
