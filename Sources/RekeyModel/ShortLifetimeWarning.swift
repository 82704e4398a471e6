// A credential that lives less than the time between two runs: rekey cannot renew it
// before it expires, so it sits expired until the next run. A warning (never an error):
// `validate` gives it for lifetimes a job file states, `plan` also for those the log
// recorded, against the interval the log observed.

import Foundation

extension Job {
    /// The credential lifetime the job file states: a Qrvey composer token's `expires_in`.
    public var statedLifetime: RekeyDuration? {
        guard case .qrveyComposer(let spec) = provider else { return nil }
        return spec.expiresIn.flatMap(RekeyDuration.parse)
    }
}

public struct ShortLifetimeWarning: Sendable, Hashable, CustomStringConvertible {
    public var job: String
    public var kind: ProviderKind
    public var lifetime: RekeyDuration
    public var interval: RunInterval

    /// A warning when `lifetime` is known and shorter than the interval's effective value.
    public static func check(job: Job, lifetime: RekeyDuration?, interval: RunInterval) -> ShortLifetimeWarning? {
        guard let lifetime, lifetime < interval.effective else { return nil }
        return ShortLifetimeWarning(job: job.name, kind: job.kind, lifetime: lifetime, interval: interval)
    }

    /// `job 'x': its credential lives 1h, less than the interval between runs, 1d (run_interval): …`
    public var message: String {
        "job '\(job)': its credential lives \(lifetime), less than the interval between runs, \(interval): it expires before the next run can renew it"
    }

    /// What to do about it.
    public var hint: String {
        let more =
            "run rekey more often than every \(lifetime), e.g. with the hourly crontab in cron/, and set run_interval in rekey.yaml to match"
        switch kind {
        case .qrveyComposerToken: return more + "; or lengthen the token's lifetime with provider.expires_in"
        case .qrveyAdminToken: return more + "; Qrvey sets an admin token's lifetime"
        case .questionProAPIKey, .http: return more
        }
    }

    public var description: String { "\(message) (\(hint))" }
}
