// `rekey audit report`: per job, what was rotated when, its state now, and what failed.
// States come from `Scheduler.decide` and `JobState.derive` — the same function `plan`
// and `run` use — applied to the history folded from the log.
//
// JSON shape (stable, `JSONOutput`'s convention): {"schema_version": 1, "generated_at":
// RFC 3339, "since": RFC 3339|null, "until": ...,
// "jobs": [{"job","tenant","env","provider","state","last_success","age_seconds",
// "last_attempt","next_due","expiry","failures_in_period","consecutive_failures","last_error",
// "in_job_files"}]}

import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule

public struct AuditReportRow: Sendable, Hashable, Codable {
    public var job: String
    public var tenant: String
    public var env: String
    public var provider: String
    public var state: JobState
    public var lastSuccess: Date?
    public var lastAttempt: Date?
    public var ageSeconds: Int?
    public var nextDue: Date?
    public var failuresInPeriod: Int
    public var consecutiveFailures: Int
    public var lastError: String?
    /// False for a job that appears in the log but in no job file any more.
    public var inJobFiles: Bool
    /// The current credential's expiry, when the log recorded one.
    public var expiry: Date? = nil
    /// Fleet mode: the host that did the last rotation.
    public var lastHost: String? = nil
}

public struct AuditReportFilter: Sendable {
    public var since: Date?
    public var until: Date?
    public var tenant: String?
    public var env: String?
    public var jobs: [String] = []
    public var states: Set<JobState> = []

    public init() {}
}

public enum AuditReportFormat: String, Sendable, CaseIterable {
    case table, json, csv, markdown, prometheus

    /// What follows the rendered text on a terminal or in a file: CSV already ends its
    /// last row with CRLF, so nothing more (a newline would add a blank record).
    public var terminator: String { self == .csv ? "" : "\n" }
}

public struct AuditReport: Sendable {
    public var generatedAt: Date
    public var filter: AuditReportFilter
    public var rows: [AuditReportRow]
    /// The audit chain's length when the report was built (`rekey_audit_head_count`).
    public var headCount: Int64? = nil

    /// Builds the report from the job files and the log.
    public static func build(
        jobs: [Job], store: any AuditLogReader, filter: AuditReportFilter, now: Date
    ) async throws -> AuditReport {
        let histories = try await store.histories()
        var failureEvents = AuditEventFilter(since: filter.since, until: filter.until)
        failureEvents.tenant = filter.tenant
        failureEvents.env = filter.env
        failureEvents.steps = AuditStep.failures
        var failures: [String: Int] = [:]
        for event in try await store.events(failureEvents) {
            if let job = event.job { failures[job, default: 0] += 1 }
        }
        var rows: [AuditReportRow] = []
        let known = Set(jobs.map(\.name))
        for job in jobs {
            let history = histories[job.name] ?? JobHistory()
            let decision = Scheduler.decide(job: job, history: history, now: now)
            rows.append(
                AuditReportRow(
                    job: job.name, tenant: job.tenant, env: job.env, provider: job.kind.rawValue,
                    state: JobState.derive(history: history, decision: decision), lastSuccess: history.currentSince,
                    lastAttempt: history.lastAttempt,
                    ageSeconds: history.currentSince.map { Int(now.timeIntervalSince($0)) }, nextDue: decision.nextDue,
                    failuresInPeriod: failures[job.name] ?? 0, consecutiveFailures: history.consecutiveFailures,
                    lastError: history.lastError, inJobFiles: true, expiry: history.expiry, lastHost: history.lastHost))
        }
        for (name, history) in histories where !known.contains(name) {
            let (tenant, env, provider) = (history.tenant ?? "", history.env ?? "", history.provider ?? "")
            let state = JobState.derive(history: history, decision: nil)
            rows.append(
                AuditReportRow(
                    job: name, tenant: tenant, env: env, provider: provider, state: state,
                    lastSuccess: history.currentSince, lastAttempt: history.lastAttempt,
                    ageSeconds: history.currentSince.map { Int(now.timeIntervalSince($0)) },
                    nextDue: nil, failuresInPeriod: failures[name] ?? 0,
                    consecutiveFailures: history.consecutiveFailures,
                    lastError: history.lastError, inJobFiles: false, expiry: history.expiry,
                    lastHost: history.lastHost))
        }
        rows = rows.filter { row in
            (filter.tenant.map { $0 == row.tenant } ?? true) && (filter.env.map { $0 == row.env } ?? true)
                && (filter.jobs.isEmpty || filter.jobs.contains(row.job))
                && (filter.states.isEmpty || filter.states.contains(row.state))
        }.sorted { ($0.tenant, $0.env, $0.job) < ($1.tenant, $1.env, $1.job) }
        return AuditReport(
            generatedAt: now, filter: filter, rows: rows, headCount: try await PrometheusExposition.headCount(store))
    }

    /// Whether any row is in one of `states` (for `--fail-on`).
    public func contains(anyOf states: Set<JobState>) -> Bool {
        rows.contains { states.contains($0.state) }
    }

    static let columns = [
        "job", "tenant", "env", "provider", "state", "last_success", "age", "next_due", "expiry", "failures",
        "last_error",
    ]

    /// Whether the log is a fleet's (some row names a host): then a `last_host` column.
    var namesHosts: Bool { rows.contains { $0.lastHost != nil } }

    /// One row's cells; `hosts`: `namesHosts`, asked once per report (not once per row).
    func cells(_ row: AuditReportRow, hosts: Bool) -> [String] {
        [
            row.job, row.tenant, row.env, row.provider, row.state.rawValue + (row.inJobFiles ? "" : " (no job file)"),
            row.lastSuccess.map(Timestamps.iso8601) ?? "never",
            row.ageSeconds.map { RekeyDuration(seconds: Int64($0)).approximate } ?? "-",
            row.nextDue.map(Timestamps.iso8601) ?? "-", row.expiry.map(Timestamps.iso8601) ?? "-",
            String(row.failuresInPeriod), row.lastError ?? "",
        ] + (hosts ? [row.lastHost ?? "-"] : [])
    }

    public func render(_ format: AuditReportFormat) throws -> String {
        let hosts = namesHosts
        let tabulation = Tabulation(
            columns: hosts ? Self.columns + ["last_host"] : Self.columns, rows: rows.map { cells($0, hosts: hosts) })
        switch format {
        case .table:
            let counts = Dictionary(grouping: rows, by: \.state).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
            return tabulation.table + "\n\(rows.count) job(s)"
                + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
        case .csv:
            return tabulation.csv
        case .markdown:
            return tabulation.markdown
        case .prometheus:
            return PrometheusExposition.render(rows: rows, run: nil, now: generatedAt, headCount: headCount)
        case .json:
            return try json()
        }
    }
}
