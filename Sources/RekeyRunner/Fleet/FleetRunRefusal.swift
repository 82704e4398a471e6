// Why a rotating command (`run`, `recover`, `adopt`, `baseline`) will not start against this
// state: a PostgreSQL log needs leases this version does not have, or the state directory's
// SQLite log was migrated to a fleet's database and must not grow a second history.

import Foundation

public enum FleetRunRefusal: Error, LocalizedError, CustomStringConvertible, Equatable {
    case needsLeases(String)
    case migrated(stateDirectory: String, to: String)

    public var description: String {
        switch self {
        case .needsLeases(let url):
            "refusing to rotate against the PostgreSQL log \(url): fleet runs need leases, which this version does not have yet; run against SQLite (drop --db / REKEY_DB / db:), or use the PostgreSQL log for `audit` and `plan` only"
        case .migrated(let directory, let url):
            "refusing to rotate with the state directory \(directory): its audit log was migrated to \(url) (see \(directory)/\(MigratedMarker.fileName)). Rotating here would start a second history beside the fleet's. Run rekey against the fleet's database once fleet runs are supported, or, to go back to this host's SQLite log, remove \(MigratedMarker.fileName) knowing the events recorded in PostgreSQL since are not in it"
        }
    }

    public var errorDescription: String? { description }

    /// Refuses a rotating command when either applies; costs one `stat` for a SQLite run.
    static func check(database: String, stateDirectory: String, isURL: Bool) throws(FleetRunRefusal) {
        if isURL { throw .needsLeases(database) }
        if let target = MigratedMarker.read(stateDirectory: stateDirectory) {
            throw .migrated(stateDirectory: stateDirectory, to: target)
        }
    }
}
