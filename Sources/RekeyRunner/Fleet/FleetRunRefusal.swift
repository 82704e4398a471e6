// Why one host's wiring (`RunEnvironment.production`) will not rotate against this state: a
// PostgreSQL log is a fleet's and needs its leases (`RunEnvironment.open` wires those), or the
// state directory's SQLite log was migrated to a fleet's database and must not grow a second
// history.

import Foundation

public enum FleetRunRefusal: Error, LocalizedError, CustomStringConvertible, Equatable {
    case needsLeases(String)
    case migrated(stateDirectory: String, to: String)

    public var description: String {
        switch self {
        case .needsLeases(let url):
            "refusing to rotate against the PostgreSQL log \(url) without fleet leases: this command works on one host's SQLite log only (`rekey run`, `recover`, `adopt` and `baseline` take the fleet's leases)"
        case .migrated(let directory, let url):
            "refusing to rotate with the state directory \(directory): its audit log was migrated to \(url) (see \(directory)/\(MigratedMarker.fileName)). Rotating here would start a second history beside the fleet's. Run rekey against the fleet's database (--db / REKEY_DB / db:), or, to go back to this host's SQLite log, remove \(MigratedMarker.fileName) knowing the events recorded in PostgreSQL since are not in it"
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
