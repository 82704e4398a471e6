// rekey's exit codes (DESIGN.md): what cron, systemd and monitoring act on.

public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// All good, or nothing was due.
    case ok = 0
    /// A job failed (it retries on later runs with its own backoff).
    case jobFailed = 1
    /// A job needs recovery (persists on every run until resolved with `rekey adopt`).
    case needsRecovery = 2
    case usage = 64
    /// Invalid job or config files.
    case invalidJobFiles = 65
    /// No jobs directory or no job files.
    case noJobs = 66
    /// Another run holds the lock.
    case lockHeld = 75
    case interrupted = 130
    case terminated = 143
}
