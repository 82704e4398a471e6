// The production audit log: SQLite through GRDB, WAL, `synchronous=FULL` (a committed
// event survives power loss), appends serialised with BEGIN IMMEDIATE so concurrent
// jobs and processes extend one chain, triggers that refuse UPDATE and DELETE, and the
// chain's head copied to `audit.head` so a truncated log is caught.

import Foundation
import GRDB
import RekeyDelivery
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public enum AuditLogError: Error, LocalizedError, CustomStringConvertible {
    case cannotOpen(String, String)
    case missing(String)
    /// The log has fewer events than its head records: events were deleted.
    case behindHead(String, events: Int64, head: Int64)
    /// The event the head names is not the one in the log: the log was rewritten.
    case headMismatch(String, event: Int64)
    /// `audit.head` does not carry this key's MAC: edited by hand, or the key was replaced.
    case headNotAuthentic(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): "cannot open the audit database \(path): \(why)"
        case .missing(let path):
            "no audit database at \(path): nothing has been recorded yet (or --db points elsewhere)"
        case .behindHead(let path, let events, let head):
            "refusing to append: the audit log \(path) has \(events) events but audit.head records \(head), so events were deleted. Restore the database from a backup and run `rekey audit verify`; rekey will not extend a truncated log"
        case .headMismatch(let path, let event):
            "refusing to append: event \(event) of the audit log \(path) is not the one audit.head records, so the log was rewritten. Restore the database from a backup and run `rekey audit verify`"
        case .headNotAuthentic(let head):
            "refusing to append: \(head) is not signed by this state directory's audit key (edited by hand, or the key was replaced). Restore the key and head from a backup and run `rekey audit verify`"
        }
    }

    public var errorDescription: String? { description }
}

public final class SQLiteAuditLog: AuditLog {
    let database: DatabaseQueue
    let key: AuditKey
    let headPath: String?
    /// Keeps the per-job state table in step with every append (nil: the table is left
    /// behind, and readers fold the chain until a log opened with a projection rebuilds it).
    let projection: (any AuditProjection)?
    public let path: String

    /// Opens (creating it 0600 when needed) the database for appending. `headPath` is
    /// where the chain's head is copied after every commit.
    public init(path: String, key: AuditKey, headPath: String?, projection: (any AuditProjection)? = nil) throws {
        self.path = path
        self.key = key
        self.headPath = headPath
        self.projection = projection
        if !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw AuditLogError.cannotOpen(path, String(cString: strerror(errno))) }
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
            throw AuditLogError.cannotOpen(path, "\(error)")
        }
        if let headPath { try checkNotBehindHead(headPath) }
        if let projection { try rebuildIfStale(projection) }
        // SQLite creates -wal and -shm beside it with the process umask; keep them private.
        for suffix in ["-wal", "-shm"] { _ = chmod(path + suffix, 0o600) }
    }

    private let groupCommit = GroupCommit()

    /// Appends an event and returns once it is committed (`synchronous=FULL`). Appends
    /// that arrive while a commit is in progress are committed together in the next one
    /// (`GroupCommit`): every caller still waits for its own event to be durable, but
    /// concurrent jobs share one fsync instead of queueing for one each.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try await append(contentsOf: [event])[0]
    }

    /// Appends `events` in one commit (shared with concurrent appends, like `append`).
    @discardableResult
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] {
        try await groupCommit.append(events) { [self] batch in
            let stored = try await commit(batch)
            if let headPath, let last = stored.last, let sequence = last.sequence, let hash = last.hash {
                AuditHead(count: sequence, hash: hash).write(to: headPath, key: key)
            }
            return stored
        }
    }

    /// Chains and inserts `events` in one BEGIN IMMEDIATE transaction.
    private func commit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        let key = self.key
        let projection = self.projection
        return try await database.writeWithoutTransaction { db in
            var stored: [AuditEvent] = []
            try db.inTransaction(.immediate) {
                stored = []
                let last = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"))
                var previousHash: String = last?["hash"] ?? ""
                var previousSequence: Int64 = last?["seq"] ?? 0
                for event in events {
                    var row = event
                    row.sequence = previousSequence + 1
                    // Stored in milliseconds: the row returned (and projected) is the row read back.
                    row.time = Date(timeIntervalSince1970: (event.time.timeIntervalSince1970 * 1000).rounded() / 1000)
                    row.expiry = row.expiry.map {
                        Date(timeIntervalSince1970: ($0.timeIntervalSince1970 * 1000).rounded() / 1000)
                    }
                    row.prevHash = previousHash
                    row.hash = key.chainHash(previous: previousHash, canonical: row.canonicalEncoding)
                    try AuditSchema.insert(row, db)
                    previousHash = row.hash ?? ""
                    previousSequence += 1
                    stored.append(row)
                }
                if let projection {
                    try JobStateTable.apply(projection, stored, through: previousSequence, db)
                }
                return .commit
            }
            return stored
        }
    }

    /// Rebuilds the per-job state table from the chain now (`audit verify --rebuild-state`).
    public func rebuildProjection() throws {
        guard let projection else { return }
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try JobStateTable.rebuild(projection, db)
                return .commit
            }
        }
    }

    /// Rebuilds the per-job state table from the chain when it is missing, was written by
    /// another version of the fold, or lags the log (appends made without a projection).
    private func rebuildIfStale(_ projection: any AuditProjection) throws {
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                if try !JobStateTable.isCurrent(version: projection.version, db) {
                    try JobStateTable.rebuild(projection, db)
                }
                return .commit
            }
        }
    }

    /// Refuses a log that is behind its authenticated head (events were deleted) or whose
    /// head does not match the key: extending it would make `audit verify` pass again.
    private func checkNotBehindHead(_ headPath: String) throws {
        let head: AuditHead
        switch AuditHead.read(from: headPath, key: key) {
        case .missing: return
        case .forged: throw AuditLogError.headNotAuthentic(headPath)
        case .authentic(let authentic): head = authentic
        case .unauthenticated(let legacy): head = legacy
        }
        // One read, so the count and the hash come from the same snapshot of the log.
        let (count, stored) = try database.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0,
                try String.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [head.count])
            )
        }
        if count < head.count { throw AuditLogError.behindHead(path, events: count, head: head.count) }
        if stored != head.hash { throw AuditLogError.headMismatch(path, event: head.count) }
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
}
