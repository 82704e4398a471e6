import Foundation
import RekeyAudit
import RekeyDelivery
import RekeySchedule
import RekeyTestSupport

/// A fleet of regenerate jobs (two sinks each) against a `rekey sandbox` process, for
/// the loops that stop or kill the real binary: the sandbox outlives every killed run.
/// The jobs are QuestionPro's, or `kind: http` jobs against the sandbox's described vendor.
final class CrashLoopFleet {
    enum Vendor: String {
        case questionPro = "QuestionPro"
        case http

        /// The sandbox endpoint whose request rotates a key.
        var issueEndpoint: String { self == .questionPro ? "regenerate" : "http-issue" }
    }

    let dir: TemporaryDirectory
    let sandbox: SandboxProcess
    let jobCount: Int
    let vendor: Vendor
    var jobs: String { dir.file("jobs") }
    var state: String { dir.file("state") }
    var database: String { state + "/audit.sqlite" }
    /// Each job's account at the vendor: a QuestionPro organization, or a described-vendor key id.
    var organizations: [String] {
        (vendor == .questionPro ? sandbox.initialKeys : sandbox.initialHTTPKeys).keys.sorted()
    }
    var initialKeys: [String: String] { vendor == .questionPro ? sandbox.initialKeys : sandbox.initialHTTPKeys }

    init(jobCount: Int, latency: String, vendor: Vendor = .questionPro) throws {
        self.jobCount = jobCount
        self.vendor = vendor
        dir = try TemporaryDirectory(prefix: "rekey-e2e")
        sandbox = try SandboxProcess(
            arguments: ["--accounts", "\(jobCount)", "--http-keys", "\(jobCount)", "--latency", latency])
        let provider =
            vendor == .questionPro
            ? "{kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString)}"
            : """

                kind: http
                rotation: regenerate
                base_url: \(sandbox.url.absoluteString)
                issue:
                  url: /v1/keys/regenerate
                  headers: {Authorization: "Bearer {{credentials.api_key}}"}
                  secret: /data/key
                probe:
                  url: /v1/me
                  headers: {Authorization: "Bearer {{secret}}"}
            """
        var yaml = """
            defaults:
              tenant: acme
              provider: \(provider)
              policy:
                every: 30d
                retry: {attempts: 3, base: 20ms, max: 100ms, timeout: 5s}
            jobs:

            """
        for (index, org) in organizations.enumerated() {
            try dir.write("sinks/app-\(index).env", "OTHER=keep\nAPI_KEY='\(initialKeys[org]!)'\n")
            let account = vendor == .questionPro ? "\n    provider: {organization_id: \"\(org)\"}" : ""
            yaml += """
                  - name: job-\(index)
                    env: env-\(index)\(account)
                    credentials: {api_key: {sink: app}}
                    sinks:
                      - {id: app, kind: env-file, path: ../sinks/app-\(index).env, key: API_KEY}
                      - {id: key, kind: file, path: ../sinks/app-\(index).key}

                """
        }
        try dir.write("jobs/fleet.yaml", yaml)
    }

    /// `extra` followed by this fleet's jobs and state directory; every job runs at once.
    func args(_ extra: [String]) -> [String] {
        extra + ["--jobs", jobs, "--state-dir", state] + (extra.first == "run" ? ["--concurrency", "\(jobCount)"] : [])
    }

    func sinkKey(_ index: Int) -> String? {
        try? EnvFileSink.readValue(path: dir.file("sinks/app-\(index).env"), key: "API_KEY").revealed
    }

    func fileKey(_ index: Int) -> String? {
        try? FileSink.read(path: dir.file("sinks/app-\(index).key")).revealed
    }

    func histories() async throws -> [String: JobHistory] {
        try await SQLiteAuditReader.openIfPresent(path: database).histories()
    }

    /// The newest event's position in the chain (0 for an empty or missing log).
    func newestSequence() async throws -> Int64 {
        try await SQLiteAuditReader.openIfPresent(path: database).events(AuditEventFilter(limit: 1)).last?.sequence
            ?? 0
    }

    /// The job events committed after position `sequence` (and stamped at `since` or
    /// later, which keeps the read short), read-only and in chain order.
    func jobEvents(after sequence: Int64, since: Date) async throws -> [AuditEvent] {
        try await SQLiteAuditReader.openIfPresent(path: database).events(AuditEventFilter(since: since)).filter {
            ($0.sequence ?? 0) > sequence && $0.job != nil
        }
    }

    /// Each job's last committed step among the events after position `sequence` (jobs
    /// without such an event have not started a rotation since).
    func lastSteps(after sequence: Int64, since: Date) async throws -> [String: AuditStep] {
        var steps: [String: AuditStep] = [:]
        for event in try await jobEvents(after: sequence, since: since) { steps[event.job!] = event.step }
        return steps
    }

    func stop() {
        sandbox.stop()
        dir.remove()
    }
}
