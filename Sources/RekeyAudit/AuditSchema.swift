// The audit table, its versioned migrations, and row ↔ event mapping.

import Foundation
import GRDB

enum AuditSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        time INTEGER NOT NULL,
                        run TEXT NOT NULL,
                        step TEXT NOT NULL,
                        job TEXT, tenant TEXT, env TEXT, provider TEXT,
                        attempt INTEGER, http_status INTEGER, vendor_error_name TEXT, vendor_error_id TEXT,
                        latency_ms INTEGER, old_fp TEXT, new_fp TEXT, expiry INTEGER,
                        trigger TEXT, user TEXT, host TEXT, pid INTEGER, version TEXT, exit_code INTEGER,
                        message TEXT,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX events_job_step ON events(job, step, seq);
                    CREATE INDEX events_time ON events(time);
                    """)
        }
        migrator.registerMigration("v2-append-only") { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
        migrator.registerMigration("v3-expiry-index") { db in
            try db.execute(sql: "CREATE INDEX events_job_expiry ON events(job, seq) WHERE expiry IS NOT NULL")
        }
        migrator.registerMigration("v4-probe-config") { db in
            // Last in the table, after `hash`: rows are read by position.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN probe_config TEXT")
        }
        migrator.registerMigration("v5-job-state") { db in
            // The per-job state table (`AuditProjection`): one row per job, the state through
            // event `seq`, written in the same transaction as that event. `projection` names
            // the fold that wrote it; an empty or outdated table is rebuilt from the chain.
            try db.execute(
                sql: """
                    CREATE TABLE job_state (job TEXT PRIMARY KEY, seq INTEGER NOT NULL, state BLOB NOT NULL);
                    CREATE TABLE projection (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL, seq INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v6-failure-index") { db in
            // `audit report` counts each job's failures in a period: without this it read every
            // row of the log. Partial, so only failure rows pay for it; on `seq`, so it also gives
            // the rows in chain order (on `time`, SQLite preferred scanning the table in that order
            // to sorting). The query must spell the same `step IN (…)` term for SQLite to use
            // it (`AuditStep.failures`).
            try db.execute(sql: "CREATE INDEX events_failures ON events(seq) WHERE \(failureStepsTerm)")
        }
        return migrator
    }

    /// The steps `audit report` counts as failures, and the exact SQL term the partial index
    /// `events_failures` is declared with (a query names it verbatim to use the index).
    static var failureStepsTerm: String { stepsTerm(AuditStep.failures) }

    /// `step IN ('a','b')` with the raw values sorted: literal, because a partial index is used
    /// only when the query's term equals the index's (the values are rekey's own step names).
    static func stepsTerm(_ steps: Set<AuditStep>) -> String {
        "step IN (" + steps.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",") + ")"
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func insert(_ event: AuditEvent, _ db: Database) throws {
        // Cached: parsed once per connection, not once per row.
        try db.cachedStatement(
            sql: """
                INSERT INTO events (seq, time, run, step, job, tenant, env, provider, attempt, http_status,
                    vendor_error_name, vendor_error_id, latency_ms, old_fp, new_fp, expiry, trigger, user, host, pid,
                    version, exit_code, message, prev_hash, hash, probe_config)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                event.sequence, millis(event.time), event.runID, event.step.rawValue, event.job, event.tenant,
                event.env,
                event.provider, event.attempt, event.httpStatus, event.vendorErrorName, event.vendorErrorID,
                event.latencyMilliseconds, event.oldFingerprint, event.newFingerprint, event.expiry.map(millis),
                event.trigger, event.user, event.host, event.pid, event.version, event.exitCode, event.message,
                event.prevHash ?? "", event.hash ?? "", event.probeConfig,
            ])
    }

    /// Maps a `SELECT * FROM events` row, by column position (the table's order above):
    /// name lookups cost more than the rest of `audit verify` put together.
    static func event(from row: Row) -> AuditEvent {
        func date(_ index: Int) -> Date? {
            (row[index] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        var event = AuditEvent(
            time: date(1) ?? Date(timeIntervalSince1970: 0), runID: row[2] ?? "",
            step: AuditStep(rawValue: row[3] ?? "") ?? .probe, job: row[4], tenant: row[5], env: row[6],
            provider: row[7], attempt: row[8], httpStatus: row[9], vendorErrorName: row[10], vendorErrorID: row[11],
            latencyMilliseconds: row[12], oldFingerprint: row[13], newFingerprint: row[14], expiry: date(15),
            trigger: row[16], user: row[17], host: row[18], pid: row[19], version: row[20], exitCode: row[21],
            message: row[22])
        event.sequence = row[0]
        event.prevHash = row[23]
        event.hash = row[24]
        if row.count > 25 { event.probeConfig = row[25] }
        return event
    }

    static func fetch(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws
        -> [AuditEvent]
    {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map(event(from:))
    }

    /// The history subset (`AuditHistorySubset`), every column.
    static let historySubsetQuery = AuditHistorySubset.query(selecting: "*")
}
