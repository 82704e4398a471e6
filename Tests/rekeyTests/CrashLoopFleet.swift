import Foundation
import RekeyAudit
import RekeyDelivery
import RekeySchedule
import RekeyTestSupport

/// A fleet of QuestionPro jobs (two sinks each) against a `rekey sandbox` process, for
/// the loops that stop or kill the real binary: the sandbox outlives every killed run.
final class CrashLoopFleet {
    let dir: TemporaryDirectory
    let sandbox: SandboxProcess
    let jobCount: Int
    var jobs: String { dir.file("jobs") }
    var state: String { dir.file("state") }
    var database: String { state + "/audit.sqlite" }
    var organizations: [String] { sandbox.initialKeys.keys.sorted() }

    init(jobCount: Int, latency: String) throws {
        self.jobCount = jobCount
        dir = try TemporaryDirectory(prefix: "rekey-e2e")
        sandbox = try SandboxProcess(arguments: ["--accounts", "\(jobCount)", "--latency", latency])
        var yaml = """
            defaults:
              tenant: acme
              provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString)}
              policy:
                every: 30d
                retry: {attempts: 3, base: 20ms, max: 100ms, timeout: 5s}
            jobs:

            """
        for (index, org) in organizations.enumerated() {
            try dir.write("sinks/app-\(index).env", "OTHER=keep\nAPI_KEY='\(sandbox.initialKeys[org]!)'\n")
            yaml += """
                  - name: job-\(index)
                    env: env-\(index)
                    provider: {organization_id: "\(org)"}
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
