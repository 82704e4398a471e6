// The per-job state table in SQLite (see `AuditProjection`): updated in the transaction
// of the events that change it, rebuilt from the chain when it is missing or outdated,
// read only when it is current (same fold version, through the log's newest event).

import Foundation
import GRDB

enum JobStateTable {
    /// Folds `events` (just inserted, newest `through`) into their jobs' rows.
    static func apply(_ projection: any AuditProjection, _ events: [AuditEvent], through: Int64, _ db: Database)
        throws
    {
        // A table that missed events (appended by a log opened without a projection, or an
        // older rekey) is rebuilt whole, these events included, never patched.
        let previous = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, seq FROM projection WHERE id = 1"))
        let before = (events.first?.sequence ?? through + 1) - 1
        guard (previous?["version"] as String?) == projection.version, (previous?["seq"] as Int64?) == before else {
            try rebuild(projection, db)
            return
        }
        let grouped = EventsByJob(events)
        let (byJob, order) = (grouped.events, grouped.jobs)
        for job in order {
            let stored = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT state FROM job_state WHERE job = ?"), arguments: [job])
            guard let state = try? projection.apply(byJob[job] ?? [], to: stored) else {
                // A stored state that cannot be read (edited by hand) must never block the
                // chain: fold the whole chain again instead, these events included.
                try rebuild(projection, db)
                return
            }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO job_state (job, seq, state) VALUES (?, ?, ?)").execute(
                arguments: [job, byJob[job]?.last?.sequence ?? through, state])
        }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO projection (id, version, seq) VALUES (1, ?, ?)").execute(
            arguments: [projection.version, through])
    }

    /// Whether the table was written by `version` and holds every event of the log.
    static func isCurrent(version: String, _ db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT version, seq FROM projection WHERE id = 1") else {
            return false
        }
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0
        return (row["version"] as String?) == version && (row["seq"] as Int64?) == newest
    }

    /// Replaces the table with the fold of the whole chain.
    static func rebuild(_ projection: any AuditProjection, _ db: Database) throws {
        let states = try projection.rebuild { body in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY seq")
            while let row = try cursor.next() { body(AuditSchema.event(from: row)) }
        }
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0
        try db.execute(sql: "DELETE FROM job_state")
        for (job, state) in states {
            try db.execute(
                sql: "INSERT INTO job_state (job, seq, state) VALUES (?, ?, ?)", arguments: [job, newest, state])
        }
        try db.execute(
            sql: "INSERT OR REPLACE INTO projection (id, version, seq) VALUES (1, ?, ?)",
            arguments: [projection.version, newest])
    }

    /// Every job's stored state, or nil when the table is absent (an older log) or not current.
    static func states(version: String, _ db: Database) throws -> [String: Data]? {
        guard try db.tableExists("projection"), try isCurrent(version: version, db) else { return nil }
        var states: [String: Data] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT job, state FROM job_state")
        while let row = try cursor.next() {
            if let job: String = row["job"], let state: Data = row["state"] { states[job] = state }
        }
        return states
    }
}
