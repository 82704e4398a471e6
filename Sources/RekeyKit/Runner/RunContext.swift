// Everything a rotation touches outside its own logic, passed in as values: the
// clock, the audit store, and one closure per effect (spool, sinks, hooks, vendor).
// Production wiring is in `RunContext+Production.swift`; tests swap any piece, which
// is how faults and crashes are injected at every step.

import Foundation

public struct HookResult: Sendable, Hashable {
    public var succeeded: Bool
    public var exitCode: Int?
    /// `exited 0`, `exited 3: <last stderr line>`, `timed out after 30s`; never a secret.
    public var summary: String

    public init(succeeded: Bool, exitCode: Int?, summary: String) {
        self.succeeded = succeeded
        self.exitCode = exitCode
        self.summary = summary
    }
}

public struct RunContext: Sendable {
    public var runID: String
    public var trigger: String
    public var dryRun = false
    public var clock: any RekeyClock
    public var audit: any AuditStore

    public var fingerprint: @Sendable (Secret) -> String
    /// Problems that must stop the job before any vendor call.
    public var sinkPreflight: @Sendable (Job) -> [String]
    public var hookProblem: @Sendable (HookSpec) -> String?
    public var resolveCredentials: @Sendable (Job) throws -> ResolvedCredentials
    public var makeProvider: @Sendable (Job) -> any Provider
    public var makeRotationCall: @Sendable (any Provider, Job) -> RotationCall
    public var spoolSecret: @Sendable (Job, Secret, String, Date?) throws -> Void
    public var spooled: @Sendable () throws -> [SpooledSecret]
    public var removeSpool: @Sendable (Job) -> Void
    public var writeSink: @Sendable (SinkSpec, Secret) throws -> Void
    public var runHook: @Sendable (HookSpec, Job) async -> HookResult
    /// Takes the credential's lock without blocking; nil when another process holds it.
    public var tryLock: @Sendable (Job) -> (any HeldLock)?
    public var log: @Sendable (String) -> Void
}

/// A secret waiting in the spool for delivery.
public struct SpooledSecret: Sendable {
    public var job: String
    public var secret: Secret
    public var fingerprint: String
    public var issuedAt: Date
    public var expiry: Date?

    public init(job: String, secret: Secret, fingerprint: String, issuedAt: Date, expiry: Date?) {
        self.job = job
        self.secret = secret
        self.fingerprint = fingerprint
        self.issuedAt = issuedAt
        self.expiry = expiry
    }
}

/// A held lock; released when `release()` is called or the process dies.
public protocol HeldLock: Sendable {
    func release()
}
