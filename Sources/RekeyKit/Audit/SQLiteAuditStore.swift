// The production audit log: SQLite through GRDB, WAL, `synchronous=FULL` (a committed
// event survives power loss), appends serialised with BEGIN IMMEDIATE so concurrent
// jobs and processes extend one chain, triggers that refuse UPDATE and DELETE, and the
// chain's head copied to `audit.head` so a truncated log is caught.

import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

public enum AuditStoreError: Error, LocalizedError, CustomStringConvertible {
    case cannotOpen(String, String)
    case missing(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): "cannot open the audit database \(path): \(why)"
        case .missing(let path): "no audit database at \(path): nothing has been recorded yet (or --db points elsewhere)"
        }
    }

    public var errorDescription: String? { description }
}

public final class SQLiteAuditStore: AuditStore {
    let database: DatabaseQueue
    let key: AuditKey
    let headPath: String?
    public let path: String

    /// Opens (creating it 0600 when needed) the database for appending.
    public init(path: String, key: AuditKey, headPath: String?) throws {
        self.path = path
        self.key = key
        self.headPath = headPath
        if !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw AuditStoreError.cannotOpen(path, String(cString: strerror(errno))) }
            close(fd)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try AuditSchema.migrator.migrate(database)
        } catch {
            throw AuditStoreError.cannotOpen(path, "\(error)")
        }
        // SQLite creates -wal and -shm beside it with the process umask; keep them private.
        for suffix in ["-wal", "-shm"] { _ = chmod(path + suffix, 0o600) }
    }

    /// Opens an existing database read-only (report, verify, plan): works while a run writes.
    public init(readOnlyPath path: String, key: AuditKey) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw AuditStoreError.missing(path) }
        self.path = path
        self.key = key
        self.headPath = nil
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw AuditStoreError.cannotOpen(path, "\(error)")
        }
    }

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        let key = self.key
        let stored = try await database.writeWithoutTransaction { db in
            var stored = event
            try db.inTransaction(.immediate) {
                let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                let previousHash: String = last?["hash"] ?? ""
                let previousSequence: Int64 = last?["seq"] ?? 0
                stored.sequence = previousSequence + 1
                stored.time = Date(timeIntervalSince1970: (event.time.timeIntervalSince1970 * 1000).rounded() / 1000)
                stored.prevHash = previousHash
                stored.hash = key.chainHash(previous: previousHash, canonical: stored.canonicalEncoding)
                try AuditSchema.insert(stored, db)
                return .commit
            }
            return stored
        }
        if let headPath, let sequence = stored.sequence, let hash = stored.hash {
            AuditHead(count: sequence, hash: hash).write(to: headPath)
        }
        return stored
    }

    public func histories() async throws -> [String: JobHistory] {
        try await database.read { db in
            let events = try AuditSchema.fetch(db, sql: AuditSchema.historySubsetQuery)
            return JobHistory.fold(events)
        }
    }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] {
        try await database.read { db in
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

    /// Every event in chain order, for verification.
    func allRows() throws -> [AuditEvent] {
        try database.read { db in try AuditSchema.fetch(db, sql: "SELECT * FROM events ORDER BY seq") }
    }
}

/// The latest count and hash, kept outside the database so truncation shows.
public struct AuditHead: Sendable, Hashable {
    public var count: Int64
    public var hash: String

    func write(to path: String) {
        let text = "\(count) \(hash)\n"
        _ = try? DurableFileWriter().replaceContents(of: path, with: Array(text.utf8), newFile: NewFileAttributes())
    }

    static func read(from path: String) -> AuditHead? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let count = Int64(parts[0]) else { return nil }
        return AuditHead(count: count, hash: String(parts[1]))
    }
}
