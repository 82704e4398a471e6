// The audit log opened read-only (`plan`, `audit report`, `audit verify`, metrics): no
// key, no file created, and it works while a run appends (WAL readers do not block).

import Foundation
import GRDB

public final class SQLiteAuditReader: AuditLogReader {
    let database: DatabaseQueue
    public let path: String

    /// Opens an existing database read-only; a missing one is an error, never created.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw AuditLogError.missing(path) }
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw AuditLogError.cannotOpen(path, "\(error)")
        }
    }

    /// The log at `path` for a read-only command: the database when there is one, else an
    /// empty log (a fresh install has recorded nothing yet). Creates nothing.
    public static func openIfPresent(path: String) throws -> any AuditLogReader {
        guard FileManager.default.fileExists(atPath: path) else { return InMemoryAuditLog() }
        return try SQLiteAuditReader(path: path)
    }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] {
        try await database.read { db in try SQLiteEventQueries.events(db, filter) }
    }

    public func jobStates(version: String) async throws -> [String: Data]? {
        try await database.read { db in try JobStateTable.states(version: version, db) }
    }

    public func jobsWithOpenIntent() async throws -> Set<String> {
        try await database.read { db in try SQLiteEventQueries.jobsWithOpenIntent(db) }
    }

    public func historyEvents() async throws -> [AuditEvent] {
        try await database.read { db in try SQLiteEventQueries.historyEvents(db) }
    }

    public func forEachHistoryEvent(_ body: (AuditEvent) -> Void) async throws {
        try readHistoryEvents(body)
    }

    /// Synchronous, so the cursor can lend rows to a closure that is not `Sendable`.
    private func readHistoryEvents(_ body: (AuditEvent) -> Void) throws {
        try database.read { db in try SQLiteEventQueries.forEachHistoryEvent(db, body) }
    }

    /// Lends every stored row to `body` in chain order, without mapping it to an event
    /// (verify reads a million rows this way, streamed); `body` returns false to stop.
    func forEachStoredRow(_ body: (StoredAuditRow) throws -> Bool) throws {
        try database.read { db in
            // Named columns in `AuditColumn` order; `probe_config` only in logs that have it.
            var columns = AuditColumn.allCases
            if try !db.columns(in: "events").contains(where: { $0.name == "probe_config" }) {
                columns.removeAll { $0 == .probeConfig }
            }
            let names = columns.map { "\($0.name)" }.joined(separator: ", ")
            let statement = try db.makeStatement(sql: "SELECT \(names) FROM events ORDER BY seq")
            let hasProbeConfig = columns.contains(.probeConfig)
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                let stored = StoredAuditRow(
                    statement: statement.sqliteStatement, hasProbeConfig: hasProbeConfig, row: row)
                if try !body(stored) { break }
            }
        }
    }
}

/// The queries both SQLite types answer, written once.
enum SQLiteEventQueries {
    static func historyEvents(_ db: Database) throws -> [AuditEvent] {
        try AuditSchema.fetch(db, sql: AuditSchema.historySubsetQuery)
    }

    static func forEachHistoryEvent(_ db: Database, _ body: (AuditEvent) -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: AuditSchema.historySubsetQuery)
        while let row = try rows.next() { body(AuditSchema.event(from: row)) }
    }

    static func jobsWithOpenIntent(_ db: Database) throws -> Set<String> {
        try String.fetchSet(db, sql: AuditOpenIntents.query)
    }

    static func events(_ db: Database, _ filter: AuditEventFilter) throws -> [AuditEvent] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let since = filter.since {
            clauses.append("time >= ?")
            arguments.append(AuditSchema.millis(since))
        }
        if let until = filter.until {
            clauses.append("time <= ?")
            arguments.append(AuditSchema.millis(until))
        }
        if let jobs = filter.jobs {
            clauses.append("job IN (\(jobs.map { _ in "?" }.joined(separator: ",")))")
            arguments += jobs.sorted().map { $0 as any DatabaseValueConvertible }
        }
        if let tenant = filter.tenant {
            clauses.append("tenant = ?")
            arguments.append(tenant)
        }
        if let env = filter.env {
            clauses.append("env = ?")
            arguments.append(env)
        }
        if let steps = filter.steps {
            clauses.append(AuditSchema.stepsTerm(steps))
        }
        var sql = "SELECT * FROM events"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        if let limit = filter.limit {
            sql = "SELECT * FROM (\(sql) ORDER BY seq DESC LIMIT \(max(0, limit))) ORDER BY seq"
        } else {
            sql += " ORDER BY seq"
        }
        return try AuditSchema.fetch(db, sql: sql, arguments: StatementArguments(arguments))
    }
}
