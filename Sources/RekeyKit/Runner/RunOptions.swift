// What `rekey run` was asked to do.

import Foundation

public struct RunOptions: Sendable {
    public var filter = JobFilter()
    /// Ignore windows and schedules (not needs-recovery).
    public var force = false
    /// Preflight and plan only: no vendor call, no write.
    public var dryRun = false
    /// `cron`, `manual` or `demo`, recorded in the audit.
    public var trigger = "manual"
    public var concurrency = 4
    /// At most this many rotations in this run (the blast radius of one run).
    public var maxRotations: Int?
    /// Rotate the valid jobs even when some job files are invalid.
    public var skipInvalid = false
    /// Wait for another scheduled run to finish instead of exiting 75.
    public var wait = false
    /// How long in-flight rotations may take to finish after SIGTERM/SIGINT.
    public var grace: Duration = .seconds(60)
    /// How long to wait, after an ambiguous failure, before probing the old key.
    public var settleDelay: Duration = .seconds(2)

    public init() {}

    /// A scheduled run (no `--job`) also takes the global run lock.
    public var isScheduled: Bool { filter.names.isEmpty }
}
