// `rekey plan`: for each job, due or not and why, when next, and whether overdue.
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
    public var due: Bool
    public var hooksOnly: Bool
    public var reason: String
    public var nextDue: Date?
    public var overdue: Bool
    public var state: JobState
    public var lastSuccess: Date?
}

public enum Plan {
    public enum Format: String, Sendable, CaseIterable {
        case table, json
    }

    /// `rekey plan`: `jobs` planned at `now` against the log at `databasePath` (read-only;
    /// a missing log means nothing was rotated yet), rendered in `format`.
    public static func render(jobs: [Job], databasePath: String, now: Date, format: Format) async throws -> String {
        let histories = try await SQLiteAuditReader.openIfPresent(path: databasePath).histories()
        let entries = build(jobs: jobs, histories: histories, now: now)
        switch format {
        case .table: return table(entries, now: now)
        case .json: return try json(entries)
        }
    }

    public static func build(jobs: [Job], histories: [String: JobHistory], now: Date, force: Bool = false)
        -> [PlanEntry]
    {
        jobs.map { job in
            let history = histories[job.name] ?? JobHistory()
            let decision = Scheduler.decide(job: job, history: history, now: now, force: force)
            return PlanEntry(
                job: job.name, tenant: job.tenant, env: job.env, provider: job.kind.rawValue, due: decision.isDue,
                hooksOnly: decision.hooksOnly, reason: decision.explanation, nextDue: decision.nextDue,
                overdue: decision.isOverdue, state: JobState.derive(history: history, decision: decision),
                lastSuccess: history.currentSince)
        }
    }

    public static func table(_ entries: [PlanEntry], now: Date) -> String {
        var table = TextTable(header: ["JOB", "TENANT", "ENV", "PROVIDER", "DUE", "STATE", "NEXT DUE", "WHY"])
        for entry in entries {
            let next: String
            if let nextDue = entry.nextDue {
                let delta = RekeyDuration(seconds: Int64(nextDue.timeIntervalSince(now)))
                next = delta.seconds <= 0 ? "now" : "\(Timestamps.iso8601(nextDue)) (in \(delta.approximate))"
            } else {
                next = "-"
            }
            table.append([
                entry.job, entry.tenant, entry.env, entry.provider,
                entry.due ? (entry.hooksOnly ? "hooks" : "yes") : "no",
                entry.overdue ? "overdue" : entry.state.rawValue, next, entry.reason,
            ])
        }
        let due = entries.count { $0.due }
        return table.render() + "\n\(entries.count) job(s), \(due) due now"
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
