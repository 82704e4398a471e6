// The per-job state table in PostgreSQL (see `AuditProjection`), kept as SQLite's
// `JobStateTable` keeps it: updated in the transaction of the events that change it (under
// the chain-head lock), rebuilt from the chain when missing or outdated, read only when
// current (same fold version, through the log's newest event).

import Foundation
import PostgresNIO
import RekeyAudit

enum PostgresJobStateTable {
    static var logger: Logger { PostgresSession.queryLogger }

    /// Folds `events` (just inserted, newest `through`) into their jobs' rows.
    static func apply(
        _ projection: any AuditProjection, _ events: [AuditEvent], through: Int64, _ connection: PostgresConnection
    ) async throws {
        // A table that missed events (appended without a projection) is rebuilt whole.
        var previous: (String, Int64)?
        for try await row in try await connection.query(
            "SELECT version, seq FROM projection WHERE id = 1", logger: logger
        ).decode((String, Int64).self) {
            previous = row
        }
        let before = (events.first?.sequence ?? through + 1) - 1
        guard let previous, previous.0 == projection.version, previous.1 == before else {
            try await rebuild(projection, connection)
            return
        }
        let grouped = EventsByJob(events)
        let (byJob, order) = (grouped.events, grouped.jobs)
        // One read of the batch's jobs and one upsert of them: the chain-head lock is held
        // for a few round trips, however many jobs the batch touches.
        var stored: [String: Data] = [:]
        if !order.isEmpty {
            for try await (job, state) in try await connection.query(
                "SELECT job, state FROM job_state WHERE job = ANY(\(order))", logger: logger
            ).decode((String, Data).self) {
                stored[job] = state
            }
            var sql = PostgresQuery.StringInterpolation(
                literalCapacity: 128 + order.count * 16, interpolationCount: order.count * 3)
            sql.appendLiteral("INSERT INTO job_state (job, seq, state) VALUES ")
            for (index, job) in order.enumerated() {
                guard let state = try? projection.apply(byJob[job] ?? [], to: stored[job]) else {
                    // An unreadable stored state (edited by hand) must never block the chain.
                    try await rebuild(projection, connection)
                    return
                }
                sql.appendLiteral(index == 0 ? "(" : ", (")
                sql.appendInterpolation(job)
                sql.appendLiteral(", ")
                sql.appendInterpolation(byJob[job]?.last?.sequence ?? through)
                sql.appendLiteral(", ")
                try sql.appendInterpolation(state)
                sql.appendLiteral(")")
            }
            sql.appendLiteral(" ON CONFLICT (job) DO UPDATE SET seq = excluded.seq, state = excluded.state")
            try await connection.query(PostgresQuery(stringInterpolation: sql), logger: logger)
        }
        try await setVersion(projection.version, through: through, connection)
    }

    static func setVersion(_ version: String, through: Int64, _ connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO projection (id, version, seq) VALUES (1, \(version), \(through))
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq
            """, logger: logger)
    }

    /// Whether the table was written by `version` and holds every event of the log (one
    /// statement, so both come from one snapshot).
    static func isCurrent(version: String, _ connection: PostgresConnection) async throws -> Bool {
        for try await current in try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM projection WHERE id = 1 AND version = \(version)
                AND seq = (SELECT COALESCE(MAX(seq), 0) FROM events))
            """, logger: logger
        ).decode(Bool.self) {
            return current
        }
        return false
    }

    /// Replaces the table with the fold of the whole chain.
    static func rebuild(_ projection: any AuditProjection, _ connection: PostgresConnection) async throws {
        let all = try await PostgresEventQueries.fetch(
            PostgresQuery(unsafeSQL: "SELECT \(PostgresAuditRow.columns) FROM events ORDER BY seq"), connection)
        let states = try projection.rebuild { body in all.forEach(body) }
        let newest = all.last?.sequence ?? 0
        try await connection.query("DELETE FROM job_state", logger: logger)
        for (job, state) in states {
            try await connection.query(
                "INSERT INTO job_state (job, seq, state) VALUES (\(job), \(newest), \(state))", logger: logger)
        }
        try await setVersion(projection.version, through: newest, connection)
    }

    /// Every job's stored state, or nil when the table is not current. One transaction-free
    /// read: the states are taken only if the same snapshot says the table is current.
    static func states(version: String, _ connection: PostgresConnection) async throws -> [String: Data]? {
        var states: [String: Data] = [:]
        var current = false
        for try await (job, state, isCurrent) in try await connection.query(
            """
            WITH current AS (
                SELECT EXISTS (SELECT 1 FROM projection WHERE id = 1 AND version = \(version)
                    AND seq = (SELECT COALESCE(MAX(seq), 0) FROM events)) AS ok
            )
            SELECT s.job, s.state, c.ok FROM current c LEFT JOIN job_state s ON c.ok
            """, logger: logger
        ).decode((String?, Data?, Bool).self) {
            current = isCurrent
            if let job, let state { states[job] = state }
        }
        return current ? states : nil
    }
}
