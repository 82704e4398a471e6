// `rekey plan`: for each job, due or not and why, when next, whether overdue, when its
// credential expires, and a warning when it lives less than the time between runs.
// Reads history only; never calls a vendor.

import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule

public struct PlanEntry: Sendable, Hashable, Codable {
    public var job: String
    public var tenant: String
    public var env: String
    public var provider: String
    /// Where the job delivers: `id (kind)` per sink, e.g. `app (env-file)`, `vault (vault-kv)`.
    public var sinks: [String]
    public var due: Bool
    public var hooksOnly: Bool
    public var reason: String
    public var nextDue: Date?
    public var overdue: Bool
    public var state: JobState
    public var lastSuccess: Date?
    /// The current credential's expiry, when known.
    public var expiry: Date?
    /// The credential lives less than the time between runs (`ShortLifetimeWarning`).
    public var warning: String?
    /// Fleet mode: the host identities the job names (`host:` or `hosts: [..]`); nil when
    /// any host may take it.
    public var hosts: [String]?
    /// Fleet, `hosts: [..]`: the listed hosts that have not yet delivered the secret one of
    /// them issued (the job is done when none are left); nil when nothing is in flight.
    public var pendingHosts: [String]?
}

public enum Plan {
    public enum Format: String, Sendable, CaseIterable {
        case table, json
    }

    /// `rekey plan`: `jobs` planned at `now` against the log at `databasePath` (read-only;
    /// a missing log means nothing was rotated yet), rendered in `format`. `runInterval` is
    /// rekey.yaml's `run_interval` (nil: the default).
    public static func render(
        jobs: [Job], databasePath: String, now: Date, format: Format, runInterval: RekeyDuration? = nil
    ) async throws -> String {
        try await render(
            jobs: jobs, log: try SQLiteAuditReader.openIfPresent(path: databasePath), now: now, format: format,
            runInterval: runInterval)
    }

    /// The same against any log (a fleet's PostgreSQL log).
    public static func render(
        jobs: [Job], log: any AuditLogReader, now: Date, format: Format, runInterval: RekeyDuration? = nil
    ) async throws -> String {
        let histories = try await log.histories()
        let interval = try await log.runInterval(configured: runInterval)
        let entries = build(jobs: jobs, histories: histories, now: now, interval: interval)
        switch format {
        case .table: return table(entries, now: now)
        case .json: return try json(entries)
        }
    }

    /// One entry per job. A credential's lifetime is the one the log recorded (expiry less
    /// issue time), else the one its job file states (`expires_in`).
    public static func build(
        jobs: [Job], histories: [String: JobHistory], now: Date, force: Bool = false,
        interval: RunInterval = RunInterval()
    ) -> [PlanEntry] {
        jobs.map { job in
            let history = histories[job.name] ?? JobHistory()
            let decision = Scheduler.decide(job: job, history: history, now: now, force: force)
            let warning = ShortLifetimeWarning.check(
                job: job, lifetime: history.lifetime ?? job.statedLifetime, interval: interval)
            let hosts = job.host.map { [$0] } ?? (job.hosts.isEmpty ? nil : job.hosts)
            let pending = history.hostsPending(of: job.hosts)
            return PlanEntry(
                job: job.name, tenant: job.tenant, env: job.env, provider: job.kind.rawValue,
                sinks: job.sinks.map { "\($0.id) (\($0.kind.rawValue))" }, due: decision.isDue,
                hooksOnly: decision.hooksOnly,
                reason: pending.isEmpty
                    ? decision.explanation
                    : "delivered by \(history.deliveredHosts.joined(separator: ", ")); pending on \(pending.joined(separator: ", "))",
                nextDue: decision.nextDue,
                overdue: decision.isOverdue, state: JobState.derive(history: history, decision: decision),
                lastSuccess: history.currentSince, expiry: history.expiry, warning: warning?.description,
                hosts: hosts, pendingHosts: pending.isEmpty ? nil : pending)
        }
    }

    public static func table(_ entries: [PlanEntry], now: Date) -> String {
        // A fleet's jobs name their hosts; a column only when some job does.
        let showHosts = entries.contains { $0.hosts != nil }
        var table = TextTable(
            header: ["JOB", "TENANT", "ENV", "PROVIDER", "SINKS"] + (showHosts ? ["HOSTS"] : [])
                + ["DUE", "STATE", "NEXT DUE", "EXPIRES", "WHY"])
        for entry in entries {
            let next: String
            if let nextDue = entry.nextDue {
                let delta = RekeyDuration(seconds: Int64(nextDue.timeIntervalSince(now)))
                next = delta.seconds <= 0 ? "now" : "\(Timestamps.iso8601(nextDue)) (in \(delta.approximate))"
            } else {
                next = "-"
            }
            table.append(
                [entry.job, entry.tenant, entry.env, entry.provider, entry.sinks.joined(separator: ", ")]
                    + (showHosts ? [entry.hosts?.joined(separator: ", ") ?? "any"] : []) + [
                        entry.due ? (entry.hooksOnly ? "hooks" : "yes") : "no",
                        entry.overdue ? "overdue" : entry.state.rawValue, next,
                        entry.expiry.map(Timestamps.iso8601) ?? "-", entry.reason,
                    ])
        }
        let due = entries.count { $0.due }
        let warnings = entries.compactMap(\.warning).map { "\nwarning: \($0)" }.joined()
        return table.render() + "\n\(entries.count) job(s), \(due) due now" + warnings
    }

    /// `{"schema_version": 1, "jobs": [...]}` in the JSON convention (`JSONOutput`).
    public static func json(_ entries: [PlanEntry]) throws -> String {
        try JSONOutput.encode(Document(jobs: entries))
    }

    private struct Document: Encodable {
        var schemaVersion = JSONOutput.schemaVersion
        var jobs: [PlanEntry]
    }
}
