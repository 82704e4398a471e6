import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySandbox
import RekeySchedule
import RekeyTestSupport
import Testing

/// Every sandbox fault at every vendor request of a run (probe before, regenerate,
/// probe after): afterwards — and after one more run — the job is consistent or
/// needs-recovery with the way out, and no message carries a key. For QuestionPro and for
/// a described (`kind: http`) regenerate vendor.
@Suite struct FaultAtEveryRequestTests {
    /// The vendor under test: its endpoints in the sandbox, its job, and its current key.
    enum Vendor: String, CaseIterable, Sendable {
        case questionPro
        case http

        var issue: SandboxEndpoint { self == .questionPro ? .regenerate : .httpIssue }
        var probe: SandboxEndpoint { self == .questionPro ? .probe : .httpProbe }

        func currentKey(_ sandbox: VendorSandbox) -> String {
            switch self {
            case .questionPro: sandbox.questionProKey(organizationID: sandbox.questionProAccounts[0].organizationID)!
            case .http: sandbox.httpKeys[0].key
            }
        }

        func provider(_ sandbox: VendorSandbox, url: URL) -> ProviderSpec {
            switch self {
            case .questionPro:
                .questionPro(
                    QuestionProSpec(baseURL: url, organizationID: sandbox.questionProAccounts[0].organizationID))
            case .http: .http(HTTPJobs.regenerate(baseURL: url))
            }
        }
    }

    static let faults: [SandboxFault] = [
        .status(500), .status(503), .status(429, retryAfter: "0"), .status(429, errorID: "1013"), .status(400),
        .status(401), .status(403), .status(404), .resetBefore, .resetAfter, .malformedJSON, .seedInvalidJSON, .html,
        .hugeBody, .redirect,
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var vendor: Vendor
        /// `.probe` or `.regenerate`, mapped to the vendor's own endpoint.
        var request: SandboxEndpoint
        var position: Int
        var fault: SandboxFault
        var endpoint: SandboxEndpoint { request == .regenerate ? vendor.issue : vendor.probe }
        var testDescription: String { "\(vendor): \(fault) at \(endpoint) #\(position)" }
    }

    static let cases: [Case] = Vendor.allCases.flatMap { vendor in
        faults.flatMap { fault in
            [
                Case(vendor: vendor, request: .probe, position: 1, fault: fault),
                Case(vendor: vendor, request: .regenerate, position: 1, fault: fault),
                Case(vendor: vendor, request: .probe, position: 2, fault: fault),
                Case(vendor: vendor, request: .probe, position: 3, fault: fault),
            ]
        }
    }

    @Test(arguments: cases)
    func aFaultAtAnyRequestNeverLosesAWorkingCredential(_ scenario: Case) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sandbox = VendorSandbox(options: SandboxOptions())
        let url = try await sandbox.start()
        defer { Task { await sandbox.stop() } }
        let initial = scenario.vendor.currentKey(sandbox)
        try dir.write("app.env", "OTHER=1\nAPI_KEY='\(initial)'\n")
        sandbox.inject(scenario.endpoint, Array(repeating: .ok, count: scenario.position - 1) + [scenario.fault])

        let here = SourceLocation(file: "t.yaml", line: 1, column: 1)
        let job = Job(
            name: "acme-prod", tenant: "acme", env: "prod",
            provider: scenario.vendor.provider(sandbox, url: url),
            credentials: ["api_key": .sink("app")],
            policy: Policy(
                every: .days(30),
                retry: RetrySettings(attempts: 3, base: .milliseconds(5), max: .milliseconds(20), timeout: .seconds(5))),
            sinks: [
                SinkSpec(id: "app", kind: .envFile, path: dir.file("app.env"), key: "API_KEY", location: here),
                SinkSpec(id: "key", kind: .file, path: dir.file("app.key"), location: here),
            ],
            location: here)
        let paths = ResolvedPaths(
            jobs: dir.path, stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))

        var messages: [String] = []
        var last: RunSummary?
        for pass in 0..<2 {
            let environment = try RunEnvironment.production(
                paths: paths, settleDelay: .milliseconds(10), log: { _ in })
            var options = RunOptions()
            options.force = pass == 0
            let summary = await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
                .execute(jobs: [job])
            await environment.close()
            messages += summary.outcomes.compactMap(\.message) + [summary.render()]
            last = summary
        }
        let current = scenario.vendor.currentKey(sandbox)
        let envValue = try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed
        let fileValue = try? FileSink.read(path: dir.file("app.key")).revealed
        let histories = try await SQLiteAuditReader.openIfPresent(path: paths.database).histories()
        if envValue == current && (fileValue == nil || fileValue == current) {
            #expect(histories["acme-prod"]?.needsRecovery != true)
        } else {
            #expect(histories["acme-prod"]?.needsRecovery == true, "stale sinks without needs-recovery")
            #expect(last?.exitStatus == .needsRecovery)
            #expect(messages.contains { $0.contains("rekey adopt") })
            // Only a fault that lets the regenerate through and loses its answer may do this.
            #expect(
                scenario.request == .regenerate && [.resetAfter, .malformedJSON, .hugeBody].contains(scenario.fault))
        }
        // The answer-lost faults on the regenerate must be caught, not papered over.
        let answerLost: [SandboxFault] = [.resetAfter, .malformedJSON, .hugeBody]
        if scenario.request == .regenerate && answerLost.contains(scenario.fault) {
            #expect(histories["acme-prod"]?.needsRecovery == true)
        }
        // A failure before processing is retried only as the rules allow, and ends consistent.
        if scenario.request == .regenerate && [.status(503), .resetBefore, .html].contains(scenario.fault) {
            #expect(envValue == current)
            #expect(sandbox.requests.filter { $0.endpoint == scenario.endpoint.rawValue }.count == 2)
        }
        for key in [initial, current] {
            #expect(!messages.contains { $0.contains(key) }, "a message holds a key")
        }
    }
}
