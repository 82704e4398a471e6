// The state directory (0700): the spool, lock files, the audit database, its key and
// head. Created on first use; a directory others can read is tightened, because the
// spool holds secrets between issuance and delivery.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public enum StateDirectoryError: Error, LocalizedError, CustomStringConvertible {
    case cannotCreate(String, String)
    case auditMissing(directory: String, database: String, found: [String])

    public var description: String {
        switch self {
        case .cannotCreate(let path, let why):
            "cannot create the state directory \(path) (\(why)): create it (mode 0700) or pass --state-dir"
        case .auditMissing(let directory, let database, let found):
            "refusing to run: the audit database \(database) is missing but \(directory) holds earlier state (\(found.joined(separator: ", "))). Without the audit log rekey cannot tell what was rotated or recover safely. Restore the database (or point --db at it); to really start afresh, move the state directory away first"
        }
    }

    public var errorDescription: String? { description }
}

public struct StateDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var spool: String { path + "/spool" }
    public var locks: String { path + "/locks" }
    public var auditKey: String { path + "/audit.key" }
    public var auditHead: String { path + "/audit.head" }

    /// Creates the directory and its parts, 0700.
    public func prepare() throws {
        for directory in [path, spool, locks] {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateDirectoryError.cannotCreate(directory, error.localizedDescription)
            }
            var info = stat()
            if stat(directory, &info) == 0, info.st_mode & 0o077 != 0 {
                _ = chmod(directory, 0o700)
            }
        }
    }

    /// What in here shows rekey ran before (used when the audit database is missing).
    public func earlierState() -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        for name in ["audit.key", "audit.head"] where fm.fileExists(atPath: path + "/" + name) {
            found.append(name)
        }
        if let entries = try? fm.contentsOfDirectory(atPath: spool), !entries.isEmpty { found.append("spool/") }
        return found
    }

    /// Throws when the audit database is gone but earlier state remains.
    public func checkAuditPresent(database: String) throws {
        guard !FileManager.default.fileExists(atPath: database) else { return }
        let found = earlierState()
        if !found.isEmpty { throw StateDirectoryError.auditMissing(directory: path, database: database, found: found) }
    }
}
