// The production audit log: SQLite through GRDB, WAL, `synchronous=FULL` (a committed
// event survives power loss), appends serialised with BEGIN IMMEDIATE so concurrent
// jobs and processes extend one chain, triggers that refuse UPDATE and DELETE, and the
// chain's head copied to `audit.head` so a truncated log is caught.

import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public enum AuditStoreError: Error, LocalizedError, CustomStringConvertible {
    case cannotOpen(String, String)
    case missing(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): "cannot open the audit database \(path): \(why)"
        case .missing(let path):
            "no audit database at \(path): nothing has been recorded yet (or --db points elsewhere)"
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
        configuration.prepareDatabase { db in
            // Set here rather than with GRDB's `journalMode = .wal`, which also lowers
            // `synchronous` to NORMAL: every committed event must survive power loss.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
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

    /// Events waiting for the next commit, and whether a flusher is running.
    private struct AppendQueue {
        var pending: [(AuditEvent, CheckedContinuation<AuditEvent, any Error>)] = []
        var flushing = false
    }

    private let queue = Mutex(AppendQueue())

    /// Appends an event and returns once it is committed (`synchronous=FULL`). Appends
    /// that arrive while a commit is in progress are committed together in the next one
    /// (group commit): every caller still waits for its own event to be durable, but
    /// concurrent jobs share one fsync instead of queueing for one each.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try await withCheckedThrowingContinuation { continuation in
            let startFlusher = queue.withLock { queue in
                queue.pending.append((event, continuation))
                guard !queue.flushing else { return false }
                queue.flushing = true
                return true
            }
            if startFlusher { Task { await self.flushPending() } }
        }
    }

    private func flushPending() async {
        while true {
            let batch = queue.withLock { queue in
                let batch = queue.pending
                queue.pending = []
                if batch.isEmpty { queue.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await commit(batch.map(\.0))
                if let headPath, let last = stored.last, let sequence = last.sequence, let hash = last.hash {
                    AuditHead(count: sequence, hash: hash).write(to: headPath)
                }
                for (index, item) in batch.enumerated() { item.1.resume(returning: stored[index]) }
            } catch {
                for item in batch { item.1.resume(throwing: error) }
            }
        }
    }

    /// Appends many events in one transaction (bulk loads, benchmarks).
    @discardableResult
    public func appendBatch(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        let stored = try await commit(events)
        if let headPath, let last = stored.last, let sequence = last.sequence, let hash = last.hash {
            AuditHead(count: sequence, hash: hash).write(to: headPath)
        }
        return stored
    }

    /// Chains and inserts `events` in one BEGIN IMMEDIATE transaction.
    private func commit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        let key = self.key
        return try await database.writeWithoutTransaction { db in
            var stored: [AuditEvent] = []
            try db.inTransaction(.immediate) {
                stored = []
                let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                var previousHash: String = last?["hash"] ?? ""
                var previousSequence: Int64 = last?["seq"] ?? 0
                for event in events {
                    var row = event
                    row.sequence = previousSequence + 1
                    row.time = Date(timeIntervalSince1970: (event.time.timeIntervalSince1970 * 1000).rounded() / 1000)
                    row.prevHash = previousHash
                    row.hash = key.chainHash(previous: previousHash, canonical: row.canonicalEncoding)
                    try AuditSchema.insert(row, db)
                    previousHash = row.hash ?? ""
                    previousSequence += 1
                    stored.append(row)
                }
                return .commit
            }
            return stored
        }
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
            if let steps = filter.steps {
                clauses.append("step IN (\(steps.map { _ in "?" }.joined(separator: ",")))")
                arguments += steps.map(\.rawValue).sorted().map { $0 as any DatabaseValueConvertible }
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

    /// Streams every event in chain order (verify reads a million rows without holding them).
    func forEachRow(_ body: (AuditEvent) -> Bool) throws {
        try database.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY seq")
            while let row = try cursor.next() {
                if !body(AuditSchema.event(from: row)) { break }
            }
        }
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
