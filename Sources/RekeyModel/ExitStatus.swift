// rekey's exit codes (README, "Exit codes"): what cron, systemd and monitoring act on.

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
    /// Stopped by SIGHUP (a lost terminal or ssh session) after finishing in-flight work.
    case hangUp = 129
    /// Stopped by SIGINT after finishing in-flight work.
    case interrupted = 130
    /// Stopped by SIGTERM after finishing in-flight work.
    case terminated = 143

    /// The name of the signal a stop status stands for (`SIGTERM`), nil for other statuses.
    public var signalName: String? {
        switch self {
        case .hangUp: "SIGHUP"
        case .interrupted: "SIGINT"
        case .terminated: "SIGTERM"
        default: nil
        }
    }
}
