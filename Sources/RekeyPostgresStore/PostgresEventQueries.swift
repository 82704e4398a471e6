// The reads of the PostgreSQL log, written once: events by filter, and the subset of each
// job's history `JobHistory.fold` needs (`AuditHistorySubset`, the query SQLite runs too).

import Foundation
import PostgresNIO
import RekeyAudit

enum PostgresEventQueries {
    static func events(_ filter: AuditEventFilter) throws -> PostgresQuery {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: some PostgresThrowingDynamicTypeEncodable) throws -> String {
            try binds.append(value)
            return "$\(binds.count)"
        }
        if let since = filter.since { clauses.append("time >= " + (try bind(PostgresAuditRow.millis(since)))) }
        if let until = filter.until { clauses.append("time <= " + (try bind(PostgresAuditRow.millis(until)))) }
        if let jobs = filter.jobs { clauses.append("job = ANY(" + (try bind(jobs.sorted())) + ")") }
        if let tenant = filter.tenant { clauses.append("tenant = " + (try bind(tenant))) }
        if let env = filter.env { clauses.append("env = " + (try bind(env))) }
        if let steps = filter.steps { clauses.append("step = ANY(" + (try bind(steps.map(\.rawValue).sorted())) + ")") }
        var sql = "SELECT \(PostgresAuditRow.columns) FROM events"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        if let limit = filter.limit {
            sql = "SELECT * FROM (\(sql) ORDER BY seq DESC LIMIT \(max(0, limit))) AS newest ORDER BY seq"
        } else {
            sql += " ORDER BY seq"
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The history subset (`AuditHistorySubset`), as `PostgresAuditRow` reads it.
    static let historySubset = PostgresQuery(
        unsafeSQL: AuditHistorySubset.query(selecting: PostgresAuditRow.columns))

    static func fetch(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        for try await row in try await connection.query(query, logger: PostgresSession.queryLogger) {
            events.append(try PostgresAuditRow.event(from: row))
        }
        return events
    }
}
