// `rekey audit report` as one call: the per-job report (or, with `events`, the events
// themselves) over the log opened read-only, and whether any job is in a `--fail-on`
// state.

import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule

public struct AuditQuery: Sendable {
    public var filter = AuditReportFilter()
    /// List events instead of one row per job.
    public var events = false
    public var format: AuditReportFormat = .table
    /// States that make the report fail (monitoring).
    public var failOn: Set<JobState> = []

    public init() {}

    /// The rendered report, and whether a job is in one of `failOn`'s states.
    public func run(jobs: [Job], databasePath: String, now: Date) async throws -> (text: String, failing: Bool) {
        try await run(jobs: jobs, log: try SQLiteAuditReader.openIfPresent(path: databasePath), now: now)
    }

    /// The same against any log (a fleet's PostgreSQL log).
    public func run(jobs: [Job], log: any AuditLogReader, now: Date) async throws -> (text: String, failing: Bool) {
        if events {
            var eventFilter = AuditEventFilter(
                since: filter.since, until: filter.until, tenant: filter.tenant, env: filter.env)
            if !filter.jobs.isEmpty { eventFilter.jobs = Set(filter.jobs) }
            return (try AuditEventListing.render(try await log.events(eventFilter), format: format), false)
        }
        let report = try await AuditReport.build(jobs: jobs, store: log, filter: filter, now: now)
        return (try report.render(format), !failOn.isEmpty && report.contains(anyOf: failOn))
    }
}
