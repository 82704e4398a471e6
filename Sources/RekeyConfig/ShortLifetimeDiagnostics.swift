// `rekey validate`'s warning for a credential whose stated lifetime (a Qrvey composer
// token's `expires_in`) is shorter than `run_interval`: it would expire before the next
// run. `plan` gives the same warning with what the audit log knows as well.

import RekeyJobFiles
import RekeyModel

public enum ShortLifetimeDiagnostics {
    /// One warning, at the job, per job whose stated lifetime is shorter than `interval`.
    public static func warnings(jobs: [Job], interval: RunInterval) -> [Diagnostic] {
        jobs.compactMap { job in
            ShortLifetimeWarning.check(job: job, lifetime: job.statedLifetime, interval: interval).map {
                Diagnostic(.warning, job.location, $0.message, hint: $0.hint)
            }
        }
    }
}
