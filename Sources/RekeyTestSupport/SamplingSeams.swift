// Decorators that call a test's `sample` before and after every side effect of a run —
// each audit commit, sink write and hook — naming the step. A zero-downtime test uses them
// to look at what the app holds at every step of a rotation and ask the vendor whether it
// still accepts it. They change nothing they wrap.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel

public typealias StepSampler = @Sendable (String) async -> Void

public struct SamplingAuditLog: AuditLog {
    let inner: any AuditLog
    let sample: StepSampler

    public init(inner: any AuditLog, sample: @escaping StepSampler) {
        self.inner = inner
        self.sample = sample
    }

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try await append(contentsOf: [event])[0]
    }

    @discardableResult
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] {
        let steps = events.map(\.step.rawValue).joined(separator: "+")
        await sample("before audit:\(steps)")
        let stored = try await inner.append(contentsOf: events)
        await sample("after audit:\(steps)")
        return stored
    }

    public func historyEvents() async throws -> [AuditEvent] { try await inner.historyEvents() }
    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] { try await inner.events(filter) }
    public func jobStates(version: String) async throws -> [String: Data]? {
        try await inner.jobStates(version: version)
    }
    public func jobsWithOpenIntent() async throws -> Set<String> { try await inner.jobsWithOpenIntent() }
}

public struct SamplingSinks: SinkWriter {
    let inner: any SinkWriter
    let sample: StepSampler

    public init(inner: any SinkWriter, sample: @escaping StepSampler) {
        self.inner = inner
        self.sample = sample
    }

    public func problems(for sinks: [SinkSpec]) async -> [SinkProblem] { await inner.problems(for: sinks) }

    public func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
        await sample("before sink:\(sink.id)")
        try await inner.write(secret, to: sink)
        await sample("after sink:\(sink.id)")
    }

    public func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        await sample("before sink:\(sink.id)")
        try await inner.deliver(spooled, to: sink)
        await sample("after sink:\(sink.id)")
    }

    public func read(_ sink: SinkSpec) async throws(SinkError) -> Secret { try await inner.read(sink) }
}

public struct SamplingHooks: HookExecutor {
    let inner: any HookExecutor
    let sample: StepSampler

    public init(inner: any HookExecutor, sample: @escaping StepSampler) {
        self.inner = inner
        self.sample = sample
    }

    public func problem(_ hook: HookSpec) -> HookProblem? { inner.problem(hook) }

    public func run(_ hook: HookSpec, job: Job, extraEnvironment: [String: String], scrubbing secrets: [Secret])
        async -> HookResult
    {
        await sample("before hook")
        let result = await inner.run(hook, job: job, extraEnvironment: extraEnvironment, scrubbing: secrets)
        await sample("after hook")
        return result
    }
}
