// `rekey audit migrate --from <sqlite> --to <postgres url>`: moves a host's SQLite log into
// a fleet's empty PostgreSQL database. The SQLite chain is verified first with the state
// directory's own audit.key (a damaged log is not carried over as if it were sound); every
// event is then re-chained under the fleet-derived key, all in one transaction, and a
// `migrated` event records the SQLite chain's head (count and hash), so the old file can be
// matched to the new chain later. Last, the state directory is marked "migrated to <url>"
// (`MigratedMarker`) so a single-host run there refuses to start a second history. A state
// directory whose spool holds an undelivered secret is refused: it is delivered on this host
// first (`rekey recover`), under the audit key its fingerprint was made with.
//
// Fingerprints are HMACs of secrets under the SQLite audit key; they cannot be recomputed
// without the secrets, so the migrated events keep them as they were (the `migrated` event
// says so).

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyPostgresStore
import RekeySchedule

public enum AuditMigrationError: Error, LocalizedError, CustomStringConvertible {
    case sourceMissing(String)
    case sourceDoesNotVerify(String, VerifyResult)
    case alreadyMigrated(String, to: String)
    /// The spool holds secrets issued and not yet delivered (or entries it cannot read).
    case spoolNotEmpty(String, jobs: [String])

    public var description: String {
        switch self {
        case .sourceMissing(let path):
            "no SQLite audit log at \(path): pass --from the audit.sqlite of the state directory to migrate"
        case .sourceDoesNotVerify(let path, let result):
            "refusing to migrate \(path): its chain does not verify (\(result)). Restore it from a backup, or investigate with `rekey audit verify`; a damaged log is not carried into the fleet's"
        case .alreadyMigrated(let directory, let url):
            "the state directory \(directory) was already migrated to \(url); nothing done"
        case .spoolNotEmpty(let directory, let jobs):
            "refusing to migrate: the spool of \(directory) holds secrets not yet delivered (jobs: \(jobs.joined(separator: ", "))), fingerprinted under this host's audit key, which the fleet does not use. Deliver them on this host first: run `rekey recover` (against the SQLite log), check `rekey plan`, then migrate"
        }
    }

    public var errorDescription: String? { description }
}

public struct AuditMigration: Sendable {
    public var sqlitePath: String
    public var stateDirectory: String
    public var target: PostgresURL
    public var fleetKey: AuditKey
    public var password: String?
    /// Who ran it (recorded on the `migrated` event).
    public var runID: String
    public var now: Date

    public init(
        sqlitePath: String, stateDirectory: String, target: PostgresURL, fleetKey: AuditKey, password: String?,
        runID: String, now: Date
    ) {
        self.sqlitePath = sqlitePath
        self.stateDirectory = stateDirectory
        self.target = target
        self.fleetKey = fleetKey
        self.password = password
        self.runID = runID
        self.now = now
    }

    /// The migration `rekey audit migrate --from … --to …` asks for in `workspace`: the fleet
    /// key from its rekey.yaml, the password as libpq would find it, a new manual run id.
    public static func prepare(workspace: Workspace, from: String, to: String, now: Date) throws -> AuditMigration {
        let target = try PostgresURL(parsing: to)
        return AuditMigration(
            sqlitePath: URL(fileURLWithPath: from).standardizedFileURL.path,
            stateDirectory: workspace.paths.stateDirectory, target: target,
            fleetKey: try AuditStore.fleetAuditKey(workspace.config), password: PostgresPassword.lookup(for: target),
            runID: RunIdentity.new(trigger: "manual", at: now, random: SystemRandomSource()).runID, now: now)
    }

    public struct Outcome: Sendable, Hashable {
        /// Events carried over (the `migrated` event not counted).
        public var events: Int64
        /// The SQLite chain's head, as the `migrated` event records it.
        public var sqliteHead: AuditHead
    }

    public func run() async throws -> Outcome {
        let state = StateDirectory(path: stateDirectory)
        if let marked = MigratedMarker.read(stateDirectory: stateDirectory) {
            throw AuditMigrationError.alreadyMigrated(stateDirectory, to: marked)
        }
        guard FileManager.default.fileExists(atPath: sqlitePath) else {
            throw AuditMigrationError.sourceMissing(sqlitePath)
        }
        let spool = try LocalSpool(directory: state.spool).all()
        let spooled = Set(spool.entries.map(\.job) + spool.unreadable.map(\.job))
        guard spooled.isEmpty else { throw AuditMigrationError.spoolNotEmpty(stateDirectory, jobs: spooled.sorted()) }
        let sqliteKey = try AuditKey.load(path: state.auditKey)
        let verdict = try AuditVerifier.verify(databasePath: sqlitePath, key: sqliteKey, headPath: state.auditHead)
        guard case .ok(let count) = verdict else { throw AuditMigrationError.sourceDoesNotVerify(sqlitePath, verdict) }
        let events = try await SQLiteAuditReader(path: sqlitePath).events(AuditEventFilter())
        let head = AuditHead(count: count, hash: events.last?.hash ?? "")
        var migrated = AuditEvent(
            time: now, runID: runID, step: .migrated,
            message:
                "migrated from \(sqlitePath): SQLite chain head \(head.count) \(head.hash); fingerprints before this event are under that host's audit key"
        )
        migrated.host = ProcessInfo.processInfo.hostName
        let log = try await PostgresAuditLog.open(
            url: target, password: password, key: fleetKey,
            headPath: AuditStore.localHeadPath(stateDirectory: stateDirectory, url: target),
            projection: JobHistoryProjection())
        defer { log.close() }
        // The stored chain fields are replaced by `link`: the events keep their content only.
        try await log.appendToEmptyLog(events + [migrated])
        try MigratedMarker.write(stateDirectory: stateDirectory, url: target.description)
        return Outcome(events: count, sqliteHead: head)
    }
}
