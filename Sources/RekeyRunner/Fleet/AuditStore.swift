// Which audit log a command reads: the SQLite file (the default, opened exactly as before)
// or, when `--db` / REKEY_DB / `db:` is a `postgres://` URL, the fleet's PostgreSQL log, whose
// audit key is derived from rekey.yaml's `fleet.key`. `plan`, `audit report` and `audit
// verify` go through here; `run` refuses PostgreSQL until leases exist (`FleetRunRefusal`).

import Crypto
import Foundation
import RekeyAudit
import RekeyConfig
import RekeyEffects
import RekeyPostgresStore
import RekeySchedule

public enum AuditStore {
    public enum Location: Sendable, Hashable {
        case sqlite(path: String)
        case postgres(PostgresURL)
    }

    public static func location(_ paths: ResolvedPaths) throws -> Location {
        guard isDatabaseURL(paths.database) else { return .sqlite(path: paths.database) }
        return .postgres(try PostgresURL(parsing: paths.database))
    }

    /// The audit key of a fleet's PostgreSQL log, derived from the fleet key file.
    public static func fleetAuditKey(_ config: GlobalConfig) throws -> AuditKey {
        guard let file = config.fleet.keyFile else { throw FleetKeyError.notConfigured }
        return try FleetKey.load(path: file).auditKey
    }

    /// Where this host keeps the highest head it has seen of the log at `url`: one file per
    /// database, so hosts of two fleets sharing a state directory do not mix them up.
    public static func localHeadPath(stateDirectory: String, url: PostgresURL) -> String {
        let digest = SHA256.hash(data: Data(url.description.utf8)).prefix(6).map { String(format: "%02x", $0) }
        return stateDirectory + "/fleet-\(digest.joined()).head"
    }

    /// Runs `body` with the workspace's log opened read-only (a missing SQLite file or an
    /// empty database reads as an empty log), closing it afterwards.
    public static func withReader<T: Sendable>(
        _ workspace: Workspace, _ body: (any AuditLogReader) async throws -> T
    ) async throws -> T {
        try await withReader(database: workspace.paths.database, body)
    }

    /// `withReader` for a database path or URL as `ResolvedPaths.database` holds it.
    public static func withReader<T: Sendable>(
        database: String, _ body: (any AuditLogReader) async throws -> T
    ) async throws -> T {
        let location: Location =
            isDatabaseURL(database) ? .postgres(try PostgresURL(parsing: database)) : .sqlite(path: database)
        switch location {
        case .sqlite(let path):
            return try await body(try SQLiteAuditReader.openIfPresent(path: path))
        case .postgres(let url):
            let log = try await PostgresAuditLog.openReader(url: url, password: PostgresPassword.lookup(for: url))
            defer { log.close() }
            return try await body(log)
        }
    }

    /// `audit verify` of the fleet's PostgreSQL log: the chain (against the database's signed
    /// head and this host's), then the per-job state table; `rebuildState` rebuilds the table
    /// after a chain that verified.
    public static func verifyPostgres(
        _ url: PostgresURL, workspace: Workspace, rebuildState: Bool
    ) async throws -> (chain: VerifyResult, table: JobStateCheck.Result?) {
        let key = try fleetAuditKey(workspace.config)
        let password = PostgresPassword.lookup(for: url)
        let localHead = localHeadPath(stateDirectory: workspace.paths.stateDirectory, url: url)
        let reader = try await PostgresAuditLog.openReader(url: url, password: password)
        defer { reader.close() }
        return try await JobStateCheck.verify(reader: reader) { each in
            try await PostgresAuditVerifier.verify(reader, key: key, localHeadPath: localHead, eachEvent: each)
        } rebuild: {
            guard rebuildState else { return }
            let log = try await PostgresAuditLog.open(
                url: url, password: password, key: key, headPath: localHead, projection: JobHistoryProjection())
            defer { log.close() }
            try await log.rebuildProjection()
        }
    }
}
