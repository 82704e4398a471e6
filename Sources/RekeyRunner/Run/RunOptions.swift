// What one run does, resolved from a `RunRequest` and rekey.yaml: which jobs, whether to
// force or only preflight, and how many at once.

import RekeyModel

public struct RunOptions: Sendable {
    public var filter = JobFilter()
    /// Ignore windows and schedules (not needs-recovery).
    public var force = false
    /// Preflight and plan only: no vendor call, no write.
    public var dryRun = false
    /// With `dryRun`: probe every selected job's current key with the vendor (read-only),
    /// due or not, so a first deployment proves its keys before the first real run.
    public var probe = false
    public var concurrency = 4
    /// At most this many rotations in this run (the blast radius of one run).
    public var maxRotations: Int?

    public init() {}

    /// A scheduled run (no `--job`): takes the global run lock; a held job lock is not an error.
    public var isScheduled: Bool { filter.names.isEmpty }
}
