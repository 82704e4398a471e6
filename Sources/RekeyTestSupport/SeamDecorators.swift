// Decorators around single seams of a `RunEnvironment`. The crashing ones make a seam
// behave as if the process died at its k-th side effect (that effect and every later one
// fail): wrapping the production seams, not rebuilding them, is how the crash tests cut a
// rotation off at each of its steps in turn. The faulting ones fail chosen calls.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel

/// Appends pass through the switch (a dead process commits nothing).
public struct CrashingAuditLog: AuditLog {
    public let inner: any AuditLog
    public let crash: CrashSwitch

    public init(inner: any AuditLog, crash: CrashSwitch) {
        self.inner = inner
        self.crash = crash
    }

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try crash.effect("audit:\(event.step.rawValue)")
        return try await inner.append(event)
    }

    /// One effect for the whole transaction (it commits all or nothing), named by its steps.
    @discardableResult
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] {
        try crash.effect("audit:" + events.map(\.step.rawValue).joined(separator: "+"))
        return try await inner.append(contentsOf: events)
    }

    public func historyEvents() async throws -> [AuditEvent] {
        if crash.isDead { throw CrashSwitch.Crashed() }
        return try await inner.historyEvents()
    }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] { try await inner.events(filter) }

    public func jobStates(version: String) async throws -> [String: Data]? {
        if crash.isDead { throw CrashSwitch.Crashed() }
        return try await inner.jobStates(version: version)
    }

    public func jobsWithOpenIntent() async throws -> Set<String> {
        if crash.isDead { throw CrashSwitch.Crashed() }
        return try await inner.jobsWithOpenIntent()
    }
}

public struct CrashingSpool: SpoolStore {
    let inner: any SpoolStore
    let crash: CrashSwitch

    public init(inner: any SpoolStore, crash: CrashSwitch) {
        self.inner = inner
        self.crash = crash
    }

    public func preflight() async -> String? { await inner.preflight() }

    public func write(_ secret: SpooledSecret) async throws {
        try crash.effect("spool-write")
        try await inner.write(secret)
    }

    public func all() async throws -> SpoolContents {
        if crash.isDead { throw CrashSwitch.Crashed() }
        return try await inner.all()
    }

    public func remove(job: String) async {
        guard (try? crash.effect("spool-remove")) != nil else { return }
        await inner.remove(job: job)
    }

    public func remove(job: String, fingerprint: String) async {
        guard (try? crash.effect("spool-remove")) != nil else { return }
        await inner.remove(job: job, fingerprint: fingerprint)
    }

    public func removeSuperseded(job: String, keeping fingerprint: String) async {
        guard (try? crash.effect("spool-remove")) != nil else { return }
        await inner.removeSuperseded(job: job, keeping: fingerprint)
    }
}

public struct CrashingSinks: SinkWriter {
    let inner: any SinkWriter
    let crash: CrashSwitch

    public init(inner: any SinkWriter, crash: CrashSwitch) {
        self.inner = inner
        self.crash = crash
    }

    public func problems(for sinks: [SinkSpec]) async -> [SinkProblem] { await inner.problems(for: sinks) }

    public func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
        // A dead process writes nothing; the error it "reports" is never seen by anyone.
        guard (try? crash.effect("sink:\(sink.id)")) != nil else {
            throw .io(path: sink.path, step: .write, errno: 0)
        }
        try await inner.write(secret, to: sink)
    }

    public func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        guard (try? crash.effect("sink:\(sink.id)")) != nil else {
            throw .io(path: sink.path, step: .write, errno: 0)
        }
        try await inner.deliver(spooled, to: sink)
    }

    public func read(_ sink: SinkSpec) async throws(SinkError) -> Secret { try await inner.read(sink) }
}

public struct CrashingHooks: HookExecutor {
    let inner: any HookExecutor
    let crash: CrashSwitch

    public init(inner: any HookExecutor, crash: CrashSwitch) {
        self.inner = inner
        self.crash = crash
    }

    public func problem(_ hook: HookSpec) -> HookProblem? { inner.problem(hook) }

    public func run(_ hook: HookSpec, job: Job, extraEnvironment: [String: String], scrubbing secrets: [Secret])
        async -> HookResult
    {
        guard (try? crash.effect("hook")) != nil else {
            return HookResult(succeeded: false, exitCode: nil, summary: "process died")
        }
        return await inner.run(hook, job: job, extraEnvironment: extraEnvironment, scrubbing: secrets)
    }
}

/// Fails chosen sink writes with a chosen error (a full disk on one sink, say).
public struct FaultingSinks: SinkWriter {
    let inner: any SinkWriter
    let fault: @Sendable (SinkSpec) -> SinkError?

    public init(inner: any SinkWriter, fault: @escaping @Sendable (SinkSpec) -> SinkError?) {
        self.inner = inner
        self.fault = fault
    }

    public func problems(for sinks: [SinkSpec]) async -> [SinkProblem] { await inner.problems(for: sinks) }

    public func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
        if let error = fault(sink) { throw error }
        try await inner.write(secret, to: sink)
    }

    public func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        if let error = fault(sink) { throw error }
        try await inner.deliver(spooled, to: sink)
    }

    public func read(_ sink: SinkSpec) async throws(SinkError) -> Secret { try await inner.read(sink) }
}

/// Fails every spool write (a state directory whose disk filled up after preflight).
public struct FaultingSpool: SpoolStore {
    let inner: any SpoolStore
    let preflightProblem: String?

    public init(inner: any SpoolStore, preflightProblem: String? = nil) {
        self.inner = inner
        self.preflightProblem = preflightProblem
    }

    public func preflight() async -> String? { preflightProblem }

    public func write(_ secret: SpooledSecret) async throws {
        throw SpoolError.write("spool/\(secret.job).json", .diskFull(path: "spool/\(secret.job).json", step: .create))
    }

    public func all() async throws -> SpoolContents { try await inner.all() }

    public func remove(job: String) async { await inner.remove(job: job) }
    public func remove(job: String, fingerprint: String) async {
        await inner.remove(job: job, fingerprint: fingerprint)
    }
}
