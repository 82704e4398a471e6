// The audit log of a fleet: the same events, canonical form and HMAC chain as
// `SQLiteAuditLog`, in one PostgreSQL database many hosts append to. An append is one
// transaction: `SET LOCAL synchronous_commit = on` (a committed event survives a crash even
// where the server's default is off), the chain-head row locked with `SELECT … FOR UPDATE`
// (which serialises appenders on every host, where SQLite has BEGIN IMMEDIATE), the head
// checked against its MAC and the newest event, the events inserted, the head and the per-job
// state table updated. Each host also keeps the highest head it has seen in its state
// directory and refuses to extend a log that is behind it (rows deleted and an older head
// restored from a backup).

import Foundation
import PostgresNIO
import RekeyAudit
import Synchronization

public final class PostgresAuditLog: AuditLog {
    let session: PostgresSession
    /// Chains the events and signs the head (a reader has none and appends nothing).
    let key: AuditKey?
    /// This host's copy of the highest head it has seen (nil: none kept).
    let headPath: String?
    let projection: (any AuditProjection)?
    /// False for a reader of a database no rekey has written to yet: it reads as empty.
    let hasLog: Bool
    /// The highest head this process has written to `headPath`, so it never writes a lower one.
    private let highestHead = Mutex<Int64>(0)
    private let groupCommit = GroupCommit()

    public var url: PostgresURL { session.url }

    private init(
        session: PostgresSession, key: AuditKey?, headPath: String?, projection: (any AuditProjection)?,
        hasLog: Bool = true
    ) {
        self.session = session
        self.hasLog = hasLog
        self.key = key
        self.headPath = headPath
        self.projection = projection
    }

    /// Opens the log for appending: creates or migrates the schema, refuses a chain that is
    /// behind this host's head or whose head is not signed by `key`, and rebuilds a per-job
    /// state table that is missing or outdated.
    public static func open(
        url: PostgresURL, password: String?, key: AuditKey, headPath: String?,
        projection: (any AuditProjection)? = nil, maximumConnections: Int = 4
    ) async throws -> PostgresAuditLog {
        let session = PostgresSession(url: url, password: password, maximumConnections: maximumConnections)
        do {
            try await session.checkReachable(password: password)
            try await PostgresAuditSchema.migrate(session)
            let log = PostgresAuditLog(session: session, key: key, headPath: headPath, projection: projection)
            try await log.checkHead()
            if let projection { try await log.rebuildIfStale(projection) }
            return log
        } catch {
            session.close()
            throw error
        }
    }

    /// Opens the log read-only (`plan`, `audit report`, `audit verify`): no key, nothing
    /// created. A database with no rekey schema yet reads as an empty log.
    public static func openReader(url: PostgresURL, password: String?) async throws -> PostgresAuditLog {
        let session = PostgresSession(url: url, password: password, maximumConnections: 2)
        do {
            try await session.checkReachable(password: password)
            let version = try await PostgresAuditSchema.version(session)
            if let version, version > PostgresAuditSchema.currentVersion {
                throw PostgresStoreError.schemaTooNew(url, found: version, known: PostgresAuditSchema.currentVersion)
            }
            return PostgresAuditLog(session: session, key: nil, headPath: nil, projection: nil, hasLog: version != nil)
        } catch {
            session.close()
            throw error
        }
    }

    /// Closes the connections. The log must not be used afterwards.
    public func close() { session.close() }

    // MARK: Appending

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent {
        try await append(contentsOf: [event])[0]
    }

    /// Appends `events` in one transaction, shared with concurrent appends of this process
    /// (`GroupCommit`): the chain-head lock and the commit's WAL flush once per batch.
    @discardableResult
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] {
        try await groupCommit.append(events) { [self] batch in try await append(batch, onlyToAnEmptyLog: false) }
    }

    /// Appends `events` as the first events of the log, in one transaction, or nothing when
    /// the log already holds an event (`rekey audit migrate` refuses a non-empty target;
    /// checked under the head lock, so two migrations cannot both succeed).
    @discardableResult
    public func appendToEmptyLog(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        try await append(events, onlyToAnEmptyLog: true)
    }

    private func append(_ events: [AuditEvent], onlyToAnEmptyLog: Bool) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        guard let key else { throw PostgresStoreError.database(url, doing: "appending", why: "opened read-only") }
        let url = self.url
        let projection = self.projection
        let local = try localHead(key: key)
        let stored = try await session.transaction("appending to the audit log") { connection in
            let logger = PostgresSession.queryLogger
            try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
            let head = try await Self.lockedHead(connection, url: url, key: key)
            try await Self.checkTail(connection, head: head, url: url)
            if onlyToAnEmptyLog, head.count > 0 { throw PostgresStoreError.notEmpty(url, events: head.count) }
            if let local, local.count > head.count {
                throw PostgresStoreError.chainBroken(
                    url,
                    why:
                        "this host has seen event \(local.count), but the chain ends at event \(head.count): events were deleted or an older backup was restored"
                )
            }
            var previous = head
            var stored: [AuditEvent] = []
            for event in events {
                let row = key.link(event, sequence: previous.count + 1, previousHash: previous.hash)
                previous = AuditHead(count: previous.count + 1, hash: row.hash ?? "")
                stored.append(row)
            }
            try await PostgresAuditRow.insert(stored, connection)
            try await connection.query(
                """
                UPDATE chain_head SET seq = \(previous.count), hash = \(previous.hash),
                    mac = \(key.authenticationCode(for: previous)) WHERE id = 1
                """, logger: logger)
            if let projection {
                try await PostgresJobStateTable.apply(projection, stored, through: previous.count, connection)
            }
            return stored
        }
        if let last = stored.last, let sequence = last.sequence, let hash = last.hash {
            rememberHead(AuditHead(count: sequence, hash: hash), key: key)
        }
        return stored
    }

    /// The chain-head row, locked until the transaction ends, its MAC checked.
    static func lockedHead(_ connection: PostgresConnection, url: PostgresURL, key: AuditKey) async throws
        -> AuditHead
    {
        let rows = try await connection.query(
            "SELECT seq, hash, mac FROM chain_head WHERE id = 1 FOR UPDATE", logger: PostgresSession.queryLogger)
        for try await (sequence, hash, mac) in rows.decode((Int64, String, String?).self) {
            let head = AuditHead(count: sequence, hash: hash)
            if sequence > 0, mac != key.authenticationCode(for: head) { throw PostgresStoreError.headNotAuthentic(url) }
            return head
        }
        throw PostgresStoreError.chainBroken(url, why: "its chain-head row is missing")
    }

    /// The newest event must be the one the head names: fewer events means rows were
    /// deleted, another hash that they were rewritten.
    static func checkTail(_ connection: PostgresConnection, head: AuditHead, url: PostgresURL) async throws {
        var newest = AuditHead(count: 0, hash: "")
        let rows = try await connection.query(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", logger: PostgresSession.queryLogger)
        for try await (sequence, hash) in rows.decode((Int64, String).self) {
            newest = AuditHead(count: sequence, hash: hash)
        }
        if newest.count < head.count {
            throw PostgresStoreError.chainBroken(
                url,
                why: "it has \(newest.count) events but its chain head records \(head.count), so events were deleted")
        }
        if newest != head {
            throw PostgresStoreError.chainBroken(
                url, why: "its newest event (\(newest.count)) is not the one its chain head records (\(head.count))")
        }
    }

    /// Refuses to open a chain that is behind this host's head, or whose head row is forged.
    func checkHead() async throws {
        guard let key else { return }
        let url = self.url
        let local = try localHead(key: key)
        try await session.transaction("checking the chain head") { connection in
            let head = try await Self.lockedHead(connection, url: url, key: key)
            try await Self.checkTail(connection, head: head, url: url)
            if let local, local.count > head.count {
                throw PostgresStoreError.chainBroken(
                    url,
                    why:
                        "this host has seen event \(local.count), but the chain ends at event \(head.count): events were deleted or an older backup was restored"
                )
            }
        }
    }

    /// This host's highest head, when it keeps one; a file without this key's MAC is refused
    /// (ignoring it would let a truncation it records go unnoticed).
    func localHead(key: AuditKey) throws -> AuditHead? {
        guard let headPath else { return nil }
        switch AuditHead.load(from: headPath, key: key) {
        case .missing: return nil
        case .authentic(let head): return head
        case .unauthenticated, .forged: throw PostgresStoreError.localHeadNotAuthentic(headPath)
        }
    }

    /// Keeps `head` as this host's highest when it is higher than the one kept.
    private func rememberHead(_ head: AuditHead, key: AuditKey) {
        guard let headPath else { return }
        let higher = highestHead.withLock { highest in
            guard head.count > highest else { return false }
            highest = head.count
            return true
        }
        guard higher else { return }
        if let kept = (try? localHead(key: key)) ?? nil, kept.count >= head.count { return }
        head.save(to: headPath, key: key)
    }

    // MARK: The per-job state table

    /// Rebuilds the per-job state table from the chain now (`audit verify --rebuild-state`).
    public func rebuildProjection() async throws {
        guard let projection else { return }
        try await session.transaction("rebuilding the per-job state table") { connection in
            try await connection.query(
                "SELECT seq FROM chain_head WHERE id = 1 FOR UPDATE", logger: PostgresSession.queryLogger)
            try await PostgresJobStateTable.rebuild(projection, connection)
        }
    }

    private func rebuildIfStale(_ projection: any AuditProjection) async throws {
        try await session.transaction("rebuilding the per-job state table") { connection in
            // The head lock keeps appenders out while the table is rebuilt.
            try await connection.query(
                "SELECT seq FROM chain_head WHERE id = 1 FOR UPDATE", logger: PostgresSession.queryLogger)
            if try await !PostgresJobStateTable.isCurrent(version: projection.version, connection) {
                try await PostgresJobStateTable.rebuild(projection, connection)
            }
        }
    }

    // MARK: Reading

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] {
        guard hasLog else { return [] }
        let query = try PostgresEventQueries.events(filter)
        return try await session.connection("reading events") { connection in
            try await PostgresEventQueries.fetch(query, connection)
        }
    }

    public func historyEvents() async throws -> [AuditEvent] {
        guard hasLog else { return [] }
        return try await session.connection("reading job histories") { connection in
            try await PostgresEventQueries.fetch(PostgresEventQueries.historySubset, connection)
        }
    }

    public func jobsWithOpenIntent() async throws -> Set<String> {
        guard hasLog else { return [] }
        return try await session.connection("reading open intents") { connection in
            var jobs: Set<String> = []
            let query = PostgresQuery(unsafeSQL: AuditOpenIntents.query)
            for try await job in try await connection.query(query, logger: PostgresSession.queryLogger)
                .decode(String.self)
            {
                jobs.insert(job)
            }
            return jobs
        }
    }

    public func jobStates(version: String) async throws -> [String: Data]? {
        guard hasLog else { return nil }
        return try await session.connection("reading the per-job state table") { connection in
            try await PostgresJobStateTable.states(version: version, connection)
        }
    }
}
