// One row of the append-only audit log. Holds fingerprints, never secrets, tokens or
// vendor response bodies.

import Foundation
import RekeyModel

public enum AuditStep: String, Sendable, Hashable, CaseIterable, Codable {
    case runStarted = "run-started"
    case runFinished = "run-finished"
    case intent
    case attempt
    case probe
    case issued
    case sinkWritten = "sink-written"
    /// Fleet, a job with `hosts: [..]`: the row's `host` wrote its own sinks with the secret
    /// `newFingerprint` names (and ran its hooks); the job is `done` once every listed host has.
    case delivered
    case verified
    case hook
    case done
    case failed
    /// Stopped at preflight, before any vendor call: a configuration problem (no backoff).
    case preflightFailed = "preflight-failed"
    case needsRecovery = "needs-recovery"
    /// The vendor may have rotated and no probe answered: the job's intent stays open.
    case unsettled
    case recovered
    case adopted
    case baselined
    /// Two-key: the previous credential (its id in `credentialID`) is to be revoked at or
    /// after `expiry`, once the new one is delivered, verified and its hooks ran.
    case revokePending = "revoke-pending"
    /// Two-key: a pending revoke was not carried out (a check before it, or the vendor,
    /// refused); it stays pending and is retried with the failure backoff.
    case revokeFailed = "revoke-failed"
    /// Two-key: the previous credential was revoked; the pending revoke is done.
    case revoked
    /// The log was moved to another store (`rekey audit migrate`): holds the old chain's head.
    case migrated

    /// The steps `audit report` counts as a job's failures in a period (indexed: schema v6).
    public static let failures: Set<AuditStep> = [.failed, .needsRecovery]

    /// The steps that settle a job's open `intent`: after one of them no vendor call of that
    /// intent can still be unaccounted for (`JobHistory.openIntent`; `AuditOpenIntents`).
    public static let settlesIntent: Set<AuditStep> = [
        .issued, .done, .adopted, .recovered, .baselined, .failed, .needsRecovery,
    ]
}

public struct AuditEvent: Sendable, Hashable, Codable {
    /// Position in the chain (1-based), assigned by the store on append.
    public var sequence: Int64?
    public var time: Date
    public var runID: String
    public var step: AuditStep
    public var job: String?
    public var tenant: String?
    public var env: String?
    public var provider: String?
    public var attempt: Int?
    public var httpStatus: Int?
    public var vendorErrorName: String?
    public var vendorErrorID: String?
    public var latencyMilliseconds: Int?
    /// HMAC-SHA256 of the secret under the audit key, first 16 hex digits.
    public var oldFingerprint: String?
    public var newFingerprint: String?
    /// The new secret's expiry, when known.
    public var expiry: Date?
    /// `cron`, `manual`, `demo`.
    public var trigger: String?
    public var user: String?
    public var host: String?
    public var pid: Int?
    public var version: String?
    /// Run-finished: the exit code. Hook: its exit status.
    public var exitCode: Int?
    /// A human sentence; never a secret or a vendor body.
    public var message: String?
    /// Intent and verified rows: a digest of the probe configuration that gave a definite
    /// answer (see `Provider.probeConfiguration`).
    public var probeConfig: String?
    public var prevHash: String?
    public var hash: String?

    public init(
        time: Date, runID: String, step: AuditStep, job: String? = nil, tenant: String? = nil, env: String? = nil,
        provider: String? = nil, attempt: Int? = nil, httpStatus: Int? = nil, vendorErrorName: String? = nil,
        vendorErrorID: String? = nil, latencyMilliseconds: Int? = nil, oldFingerprint: String? = nil,
        newFingerprint: String? = nil, expiry: Date? = nil, trigger: String? = nil, user: String? = nil,
        host: String? = nil, pid: Int? = nil, version: String? = nil, exitCode: Int? = nil, message: String? = nil
    ) {
        self.time = time
        self.runID = runID
        self.step = step
        self.job = job
        self.tenant = tenant
        self.env = env
        self.provider = provider
        self.attempt = attempt
        self.httpStatus = httpStatus
        self.vendorErrorName = vendorErrorName
        self.vendorErrorID = vendorErrorID
        self.latencyMilliseconds = latencyMilliseconds
        self.oldFingerprint = oldFingerprint
        self.newFingerprint = newFingerprint
        self.expiry = expiry
        self.trigger = trigger
        self.user = user
        self.host = host
        self.pid = pid
        self.version = version
        self.exitCode = exitCode
        self.message = message
    }
}

extension AuditEvent {
    /// The vendor's id of one credential, on the two-key rows that name one: `issued` and
    /// `done` (the new credential) and `revoke-pending` / `revoke-failed` / `revoked` (the one to revoke).
    /// Not a secret. Kept in the `vendor_error_id` column, which these steps never use
    /// otherwise, so the schema and the hash chain's canonical form stay as they are.
    public var credentialID: String? {
        get { Self.credentialIDSteps.contains(step) ? vendorErrorID : nil }
        set { vendorErrorID = newValue }
    }

    static let credentialIDSteps: Set<AuditStep> = [.issued, .done, .revokePending, .revokeFailed, .revoked]

    /// A job-scoped event with the job's identity filled in.
    public static func job(
        _ job: Job, step: AuditStep, runID: String, time: Date, message: String? = nil
    ) -> AuditEvent {
        AuditEvent(
            time: time, runID: runID, step: step, job: job.name, tenant: job.tenant, env: job.env,
            provider: job.kind.rawValue, message: message)
    }
}
