// The reads of the PostgreSQL log, written once: events by filter, and the subset of each
// job's history `JobHistory.fold` needs (the same query as SQLite's `historySubsetQuery`).

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

    /// Everything since each job's last `done`, plus, before that, the newest event of each
    /// step with and without a fingerprint, an expiry, an exit code and a probe configuration.
    static let historySubset = PostgresQuery(
        unsafeSQL: """
            WITH last_done AS (
                SELECT job, MAX(seq) AS seq FROM events WHERE step = 'done' AND job IS NOT NULL GROUP BY job
            ),
            picked AS (
                SELECT e.seq FROM events e LEFT JOIN last_done d ON d.job = e.job
                    WHERE e.job IS NOT NULL AND e.seq >= COALESCE(d.seq, 0)
                UNION SELECT MAX(seq) FROM events WHERE job IS NOT NULL
                    GROUP BY job, step, new_fp IS NULL, expiry IS NULL, exit_code IS NULL, probe_config IS NULL
            )
            SELECT \(PostgresAuditRow.columns) FROM events WHERE seq IN (SELECT seq FROM picked) ORDER BY seq
            """)

    static func fetch(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        for try await row in try await connection.query(query, logger: PostgresSession.queryLogger) {
            events.append(try PostgresAuditRow.event(from: row))
        }
        return events
    }
}
