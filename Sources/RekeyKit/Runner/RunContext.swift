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
    /// Runs a hook; the dictionary adds non-secret variables (on_failure: state, error).
    public var runHook: @Sendable (HookSpec, Job, [String: String]) async -> HookResult
    /// `on_failure` hooks from rekey.yaml, run after every job's own.
    public var globalOnFailure: [HookSpec] = []
    /// Takes the credential's lock without blocking; nil when another process holds it.
    public var tryLock: @Sendable (Job) -> (any HeldLock)?
    public var log: @Sendable (String) -> Void

    public init(
        runID: String, trigger: String, dryRun: Bool = false, clock: any RekeyClock, audit: any AuditStore,
        fingerprint: @escaping @Sendable (Secret) -> String, sinkPreflight: @escaping @Sendable (Job) -> [String],
        hookProblem: @escaping @Sendable (HookSpec) -> String?,
        resolveCredentials: @escaping @Sendable (Job) throws -> ResolvedCredentials,
        makeProvider: @escaping @Sendable (Job) -> any Provider,
        makeRotationCall: @escaping @Sendable (any Provider, Job) -> RotationCall,
        spoolSecret: @escaping @Sendable (Job, Secret, String, Date?) throws -> Void,
        spooled: @escaping @Sendable () throws -> [SpooledSecret], removeSpool: @escaping @Sendable (Job) -> Void,
        writeSink: @escaping @Sendable (SinkSpec, Secret) throws -> Void,
        runHook: @escaping @Sendable (HookSpec, Job, [String: String]) async -> HookResult,
        tryLock: @escaping @Sendable (Job) -> (any HeldLock)?, log: @escaping @Sendable (String) -> Void
    ) {
        self.runID = runID
        self.trigger = trigger
        self.dryRun = dryRun
        self.clock = clock
        self.audit = audit
        self.fingerprint = fingerprint
        self.sinkPreflight = sinkPreflight
        self.hookProblem = hookProblem
        self.resolveCredentials = resolveCredentials
        self.makeProvider = makeProvider
        self.makeRotationCall = makeRotationCall
        self.spoolSecret = spoolSecret
        self.spooled = spooled
        self.removeSpool = removeSpool
        self.writeSink = writeSink
        self.runHook = runHook
        self.tryLock = tryLock
        self.log = log
    }
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
