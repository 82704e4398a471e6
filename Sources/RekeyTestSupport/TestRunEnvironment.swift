// The production `RunEnvironment` for runner tests, in a temporary directory, with a fake
// vendor, an audit log that outlives "processes", a seeded random source, and every side
// effect routed through a `CrashSwitch` by decorators around single seams.

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyRunner
import RekeyVendor

public enum TestRunEnvironment {
    public static let run = RunIdentity(runID: "test-run", trigger: "manual")

    public static func make(
        directory: String, audit: any AuditLog, vendor: FakeVendor, crash: CrashSwitch = CrashSwitch(crashAt: nil),
        clock: any RekeyClock = ManualClock(), environment: [String: String] = [:]
    ) throws -> RunEnvironment {
        let paths = ResolvedPaths(
            jobs: directory, stateDirectory: directory + "/state", database: directory + "/state/audit.sqlite")
        var made = try RunEnvironment.production(
            paths: paths, clock: clock, random: SeededRandomSource(seed: 1), processEnvironment: environment,
            settleDelay: .milliseconds(10), log: { _ in })
        made.audit = CrashingAuditLog(inner: audit, crash: crash)
        made.auditKey = AuditKey(bytes: Array(repeating: 7, count: 32))
        made.vendors = FakeVendorSource(vendor: vendor, crash: crash)
        made.spool = CrashingSpool(inner: made.spool, crash: crash)
        made.sinks = CrashingSinks(inner: made.sinks, crash: crash)
        made.hooks = CrashingHooks(inner: made.hooks, crash: crash)
        return made
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

/// Hands out `FakeVendorProvider`s whose vendor calls pass through the crash switch.
public struct FakeVendorSource: ProviderSource {
    public let vendor: FakeVendor
    public let crash: CrashSwitch

    public init(vendor: FakeVendor, crash: CrashSwitch = CrashSwitch(crashAt: nil)) {
        self.vendor = vendor
        self.crash = crash
    }

    public func provider(for job: Job) -> any Provider {
        FakeVendorProvider(vendor: vendor, effect: { [crash] in try crash.effect($0) })
    }
}
