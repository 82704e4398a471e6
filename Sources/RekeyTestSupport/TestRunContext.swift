// A `RunContext` for runner tests: real spool, sinks, locks and hooks in a temporary
// directory, a fake vendor, an audit store that outlives "processes", and every side
// effect routed through a `CrashSwitch`.

import Foundation
import RekeyKit

/// An audit store whose appends pass through a crash switch (a dead process commits nothing).
public struct CrashingAuditStore: AuditStore {
    public let inner: any AuditStore
    public let crash: CrashSwitch

    public init(inner: any AuditStore, crash: CrashSwitch) {
        self.inner = inner
        self.crash = crash
    }

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try crash.effect("audit:\(event.step.rawValue)")
        return try await inner.append(event)
    }

    public func histories() async throws -> [String: JobHistory] {
        if crash.isDead { throw CrashSwitch.Crashed() }
        return try await inner.histories()
    }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] { try await inner.events(filter) }
}

public enum TestRunContext {
    public static func make(
        directory: String, audit: any AuditStore, vendor: FakeVendor, crash: CrashSwitch = CrashSwitch(crashAt: nil),
        clock: any RekeyClock = ManualClock(), environment: [String: String] = [:]
    ) throws -> RunContext {
        let state = StateDirectory(path: directory + "/state")
        try state.prepare()
        let spool = Spool(directory: state.spool)
        let locks = LockDirectory(path: state.locks)
        let key = AuditKey(bytes: Array(repeating: 7, count: 32))
        let resolver = CredentialResolver(environment: environment)
        let hooks = HookRunner()
        return RunContext(
            runID: "test-\(UUID().uuidString.prefix(6))", trigger: "manual", clock: clock,
            audit: CrashingAuditStore(inner: audit, crash: crash),
            fingerprint: { key.fingerprint($0) },
            sinkPreflight: { job in SinkPreflight().problems(for: job.sinks).map(\.description) },
            hookProblem: { hooks.problem($0) },
            resolveCredentials: { job in try resolver.resolve(job) },
            makeProvider: { _ in FakeVendorProvider(vendor: vendor, effect: { try crash.effect($0) }) },
            makeRotationCall: { provider, job in
                RotationCall(
                    provider: provider, jobName: job.name, settings: job.policy.retry, clock: clock,
                    random: SeededRandomSource(seed: 1), settleDelay: .milliseconds(10))
            },
            spoolSecret: { job, secret, fingerprint, expiry in
                try crash.effect("spool-write")
                try spool.write(
                    SpooledSecret(
                        job: job.name, secret: secret, fingerprint: fingerprint, issuedAt: clock.now(), expiry: expiry))
            },
            spooled: {
                if crash.isDead { throw CrashSwitch.Crashed() }
                return try spool.all()
            },
            removeSpool: { job in
                guard (try? crash.effect("spool-remove")) != nil else { return }
                spool.remove(job: job.name)
            },
            writeSink: { sink, secret in
                try crash.effect("sink:\(sink.id)")
                try sink.makeSink().write(secret)
            },
            runHook: { hook, job, extra in
                guard (try? crash.effect("hook")) != nil else {
                    return HookResult(succeeded: false, exitCode: nil, summary: "process died")
                }
                return await hooks.run(hook, job: job, extraEnvironment: extra)
            },
            tryLock: { job in locks.tryLock(job: job) },
            log: { _ in })
    }

    /// A QuestionPro-shaped job with two env-file sinks and `{sink:}` as its credential.
    public static func questionProJob(name: String = "acme-prod", directory: String, hooks: [HookSpec] = []) -> Job {
        let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
        return Job(
            name: name, tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .sink("app")],
            policy: Policy(
                every: .days(30), retry: RetrySettings(attempts: 3, base: .milliseconds(10), max: .milliseconds(50))),
            sinks: [
                SinkSpec(id: "app", kind: .envFile, path: directory + "/app.env", key: "API_KEY", location: here),
                SinkSpec(id: "worker", kind: .file, path: directory + "/worker.key", location: here),
            ],
            hooks: hooks, location: here)
    }
}
