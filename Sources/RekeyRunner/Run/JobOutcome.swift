// What happened to one job in one run, for the summary table and the exit code.

import Foundation
import RekeyModel

public struct JobOutcome: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A new secret was issued and delivered to every sink.
        case rotated
        /// A spooled secret from an earlier, interrupted run was delivered.
        case recovered
        /// Fleet, `hosts: [..]`: this host wrote its own sinks with a secret another listed
        /// host issued, and ran its hooks.
        case delivered
        /// Only the hooks ran again (the secret was delivered earlier).
        case hooksRerun = "hooks-rerun"
        /// Would rotate (dry run).
        case planned
        /// Not due; preflight passed and, with `--probe`, the vendor accepts the current key (dry run).
        case checked
        case failed
        case needsRecovery = "needs-recovery"
        /// The vendor may have rotated and no probe answered; later runs probe again.
        case unsettled
        case hookFailed = "hook-failed"
        /// Two-key: the previous credential was revoked (nothing new was issued in this run).
        case revoked
        /// Two-key: revoking the previous credential failed or was refused; a later run retries.
        case revokeFailed = "revoke-failed"
        /// Another process holds this credential's lock.
        case locked
        /// Not started: a stop was requested, or `--max-rotations` was reached.
        case notStarted = "not-started"
    }

    public var job: String
    public var tenant: String
    public var env: String
    public var kind: Kind
    public var attempts: Int
    public var seconds: Double
    /// What happened and what to do next; never a secret.
    public var message: String?
    /// Why it stopped short, for `on_failure` hooks: the vendor's error name, else the kind
    /// of stop; nil when nothing went wrong.
    public var errorName: String?
    /// The vendor's error id (`1026`), when it gave one.
    public var errorID: String?

    public init(
        job: String, tenant: String, env: String, kind: Kind, attempts: Int = 0, seconds: Double = 0,
        message: String? = nil
    ) {
        self.job = job
        self.tenant = tenant
        self.env = env
        self.kind = kind
        self.attempts = attempts
        self.seconds = seconds
        self.message = message
    }

    public init(_ job: Job, _ kind: Kind, attempts: Int = 0, seconds: Double = 0, message: String? = nil) {
        self.init(
            job: job.name, tenant: job.tenant, env: job.env, kind: kind, attempts: attempts, seconds: seconds,
            message: message)
    }

    public var isProblem: Bool {
        switch kind {
        case .failed, .needsRecovery, .unsettled, .hookFailed, .revokeFailed, .locked, .notStarted: true
        default: false
        }
    }

    /// This outcome with the reason it stopped short (`on_failure` hooks name it).
    func because(_ reason: RotationReason) -> JobOutcome {
        var outcome = self
        outcome.errorName = reason.errorName
        outcome.errorID = reason.errorID
        return outcome
    }
}
