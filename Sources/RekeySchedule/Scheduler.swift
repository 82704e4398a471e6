// When is a job due? One pure function of (job, history, now), shared by `plan`,
// `run` and `audit report`, so all three always agree.

import Crypto
import Foundation
import RekeyModel

public struct ScheduleDecision: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        case neverRotated
        case ageReached(age: RekeyDuration, every: RekeyDuration)
        /// `lifetime` is set when `renewBefore` is the default, a third of it.
        case expiresSoon(remaining: RekeyDuration, renewBefore: RekeyDuration, lifetime: RekeyDuration? = nil)
        case expired
        case notYetDue
        case outsideWindow(TimeWindow)
        case retryingAfterFailure(failures: Int, retryAt: Date)
        case needsRecovery
        case unsettled(runs: Int)
        case hooksPending
        /// Two-key: the previous credential is revoked at `due` (the overlap); nothing new is
        /// issued before.
        case revokePending(due: Date)
        /// Two-key: revoking the previous credential failed `failures` times; tried again at `retryAt`.
        case revokeRetrying(failures: Int, retryAt: Date)
        /// Two-key: the pending revoke is due now.
        case revokeDue
        case forced
    }

    /// Rotate (or, with `hooksOnly`, re-run hooks) now.
    public var isDue: Bool
    /// A `hook-failed` job: the secret is delivered; only its hooks run again.
    public var hooksOnly: Bool = false
    /// A two-key job with a pending revoke that is due: the run revokes, and issues nothing.
    public var revokeOnly: Bool = false
    public var reason: Reason
    /// When the job becomes due next (window, jitter and failure backoff included).
    public var nextDue: Date?
    /// When the current key's rotation fell due; for a job never rotated, the earlier of its
    /// first audit event and its job file's modification time. Nil when not yet due, or
    /// never rotated and neither is known.
    public var dueSince: Date?
    /// Due by schedule (never rotated, age or expiry), even if a window or a failure
    /// backoff holds the rotation back for now.
    public var dueBySchedule: Bool = false
    /// Due for longer than `grace`.
    public var isOverdue: Bool = false

    /// One line for people: `age 31d ≥ every 30d`.
    public var explanation: String {
        switch reason {
        case .neverRotated: "never rotated"
        case .ageReached(let age, let every): "age \(age.approximate) ≥ every \(every)"
        case .expiresSoon(let remaining, let renewBefore, let lifetime?):
            "expires in \(remaining.approximate) ≤ renew_before \(renewBefore) (⅓ of lifetime \(lifetime))"
        case .expiresSoon(let remaining, let renewBefore, nil):
            "expires in \(remaining.approximate) ≤ renew_before \(renewBefore)"
        case .expired: "expired"
        case .notYetDue: "not due"
        case .outsideWindow(let window): "due, outside window \(window)"
        case .retryingAfterFailure(let failures, _):
            "retrying after \(failures) failure\(failures == 1 ? "" : "s")"
        case .needsRecovery: "needs recovery: run `rekey adopt`"
        case .unsettled(let runs):
            "unsettled for \(runs) run\(runs == 1 ? "" : "s"): the vendor may have rotated; each run probes the old key first"
        case .hooksPending: "hooks failed last time: re-running hooks only"
        case .revokePending(let due):
            "revoke of the previous credential pending until \(Timestamps.iso8601(due)); nothing new is issued before it"
        case .revokeRetrying(let failures, let retryAt):
            "revoke of the previous credential failed \(failures) time\(failures == 1 ? "" : "s"); retrying at \(Timestamps.iso8601(retryAt))"
        case .revokeDue: "revoking the previous credential (nothing new is issued)"
        case .forced: "forced"
        }
    }
}

public enum Scheduler {
    /// The failure backoff after `n` consecutive failures: 1 h × 2^(n−1), capped at 24 h.
    public static func failureBackoff(failures n: Int) -> TimeInterval {
        guard n > 0 else { return 0 }
        return min(3600 * pow(2, Double(min(n - 1, 16))), 86_400)
    }

    /// The fixed offset in `0 ..< jitter` for this job, from a hash of its name.
    public static func jitterOffset(jobName: String, jitter: RekeyDuration) -> TimeInterval {
        guard jitter.seconds > 0 else { return 0 }
        let digest = SHA256.hash(data: Data(jobName.utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return TimeInterval(value % UInt64(jitter.seconds))
    }

    /// How long before a known expiry the current key is renewed: `renew_before` when the
    /// job sets it, else a third of the credential's lifetime (certbot and Vault Agent renew
    /// at two thirds), with that lifetime; nil when the job sets none and no lifetime is known.
    public static func renewBefore(job: Job, history: JobHistory)
        -> (renewBefore: RekeyDuration, defaultedFromLifetime: RekeyDuration?)?
    {
        if let renewBefore = job.policy.renewBefore { return (renewBefore, nil) }
        guard let lifetime = history.lifetime, lifetime.seconds > 0 else { return nil }
        return (RekeyDuration(seconds: lifetime.seconds / 3), lifetime)
    }

    /// When rotation falls due for the current key, or nil when it has never been rotated.
    /// A known expiry renews `renewBefore` ahead of it, never at it, unless no lifetime is known.
    static func dueAt(job: Job, history: JobHistory) -> (Date, ScheduleDecision.Reason)? {
        guard let since = history.currentSince else { return nil }
        var candidates: [(Date, ScheduleDecision.Reason)] = []
        if let every = job.policy.every {
            let at = since + every.timeInterval + jitterOffset(jobName: job.name, jitter: job.policy.jitter)
            candidates.append((at, .ageReached(age: .init(seconds: 0), every: every)))
        }
        if let expiry = history.expiry {
            if let (renewBefore, lifetime) = renewBefore(job: job, history: history) {
                candidates.append(
                    (
                        expiry - renewBefore.timeInterval,
                        .expiresSoon(remaining: .init(seconds: 0), renewBefore: renewBefore, lifetime: lifetime)
                    ))
            } else {
                candidates.append((expiry, .expired))
            }
        }
        return candidates.min { $0.0 < $1.0 }
    }

    /// Since when a job that has never been rotated (nor baselined) is due: the earlier of its
    /// first audit event (any step — an attempt, a failure) and its job file's modification
    /// time. Nil when neither is known. Editing the file of a job the log has never seen
    /// restarts this clock; once a run has tried it, its first event holds it.
    public static func neverRotatedDueSince(job: Job, history: JobHistory) -> Date? {
        [history.firstEvent, job.declaredAt].compactMap { $0 }.min()
    }

    /// `ignoreBackoff`: the operator named this job (`rekey run --job X`), so its failure
    /// backoff does not hold it back — only that; never its schedule, its window, or a job
    /// that needs recovery or is unsettled.
    public static func decide(
        job: Job, history: JobHistory, now: Date, force: Bool = false, ignoreBackoff: Bool = false
    ) -> ScheduleDecision {
        if history.needsRecovery {
            return ScheduleDecision(isDue: false, reason: .needsRecovery)
        }
        if history.unsettledRuns > 0 {
            // Recovery probes it at the start of every run; no regenerate until one answers.
            return ScheduleDecision(isDue: false, reason: .unsettled(runs: history.unsettledRuns))
        }
        if history.hookFailed {
            return ScheduleDecision(isDue: true, hooksOnly: true, reason: .hooksPending, nextDue: now)
        }
        if history.pendingRevokeID != nil {
            // A job with a pending revoke issues nothing new, forced or not: the revoke comes
            // first, never before its overlap ends (the app may still hold the old credential).
            return revokeDecision(history: history, now: now, ignoreBackoff: ignoreBackoff || force)
        }
        if force {
            return ScheduleDecision(isDue: true, reason: .forced, nextDue: now, dueBySchedule: true)
        }

        var decision: ScheduleDecision
        if let (at, reason) = dueAt(job: job, history: history) {
            if at > now {
                return ScheduleDecision(isDue: false, reason: .notYetDue, nextDue: opening(job, at))
            }
            decision = ScheduleDecision(
                isDue: true, reason: filled(reason, job, history, now), nextDue: now, dueSince: at, dueBySchedule: true)
            decision.isOverdue = now.timeIntervalSince(at) > job.policy.grace.timeInterval
        } else {
            let since = neverRotatedDueSince(job: job, history: history)
            decision = ScheduleDecision(
                isDue: true, reason: .neverRotated, nextDue: now, dueSince: since, dueBySchedule: true)
            if let since { decision.isOverdue = now.timeIntervalSince(since) > job.policy.grace.timeInterval }
        }

        if !ignoreBackoff, history.consecutiveFailures > 0, let lastFailure = history.lastFailure {
            let retryAt = lastFailure + failureBackoff(failures: history.consecutiveFailures)
            if retryAt > now {
                decision.isDue = false
                decision.reason = .retryingAfterFailure(failures: history.consecutiveFailures, retryAt: retryAt)
                decision.nextDue = opening(job, retryAt)
                return decision
            }
        }
        if let window = job.policy.window, !window.contains(now) {
            decision.isDue = false
            decision.reason = .outsideWindow(window)
            decision.nextDue = window.nextOpening(atOrAfter: now)
        }
        return decision
    }

    /// A pending revoke: due at the end of its overlap, or after a failed one, once the
    /// failure backoff (the same as a rotation's) has passed.
    private static func revokeDecision(history: JobHistory, now: Date, ignoreBackoff: Bool) -> ScheduleDecision {
        var at = history.revokeDue ?? now
        let failures = history.revokeFailures
        if failures > 0, !ignoreBackoff, let lastFailure = history.lastFailure {
            at = max(at, lastFailure + failureBackoff(failures: failures))
        }
        if at <= now {
            return ScheduleDecision(isDue: true, revokeOnly: true, reason: .revokeDue, nextDue: now)
        }
        let reason: ScheduleDecision.Reason =
            failures > 0 ? .revokeRetrying(failures: failures, retryAt: at) : .revokePending(due: at)
        return ScheduleDecision(isDue: false, reason: reason, nextDue: at)
    }

    private static func opening(_ job: Job, _ date: Date) -> Date {
        job.policy.window?.nextOpening(atOrAfter: date) ?? date
    }

    private static func filled(_ reason: ScheduleDecision.Reason, _ job: Job, _ history: JobHistory, _ now: Date)
        -> ScheduleDecision.Reason
    {
        switch reason {
        case .ageReached(_, let every):
            let age = now.timeIntervalSince(history.currentSince ?? now)
            return .ageReached(age: .init(seconds: Int64(age)), every: every)
        case .expiresSoon(_, let renewBefore, let lifetime):
            let remaining = (history.expiry ?? now).timeIntervalSince(now)
            return remaining <= 0
                ? .expired
                : .expiresSoon(
                    remaining: .init(seconds: Int64(remaining)), renewBefore: renewBefore, lifetime: lifetime)
        default:
            return reason
        }
    }
}
