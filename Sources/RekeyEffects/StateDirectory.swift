// The state directory (0700): the spool, lock files, the audit database, its key and
// head. Created on first use; a directory of rekey's own that others can read is
// tightened, because the spool holds secrets between issuance and delivery. A state
// directory of another uid, a spool or lock directory that is a symlink, and a state
// directory whose parents break the ownership rule (`PathOwnership`) are refused.

import Foundation
import RekeyDelivery

#if canImport(Glibc)
    import Glibc
#endif

public enum StateDirectoryError: Error, LocalizedError, CustomStringConvertible {
    case cannotCreate(String, String)
    case auditMissing(directory: String, database: String, found: [String])
    /// Another user could read or redirect what rekey keeps here.
    case unsafe(String, String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let why):
            "cannot create the state directory \(path) (\(why)): create it (mode 0700) or pass --state-dir"
        case .unsafe(let path, let why):
            "refusing to use the state directory \(path): \(why)"
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

    /// Creates the directory and its parts, 0700, and refuses one another user could
    /// read or redirect (checked before anything is tightened or written).
    public func prepare(ownership: PathOwnership = PathOwnership()) throws {
        for directory in [path, spool, locks] {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateDirectoryError.cannotCreate(directory, error.localizedDescription)
            }
            var info = stat()
            // The state directory may be reached through a (checked) symlink; its parts may not.
            let found = directory == path ? stat(directory, &info) : lstat(directory, &info)
            guard found == 0 else {
                throw StateDirectoryError.cannotCreate(directory, String(cString: strerror(errno)))
            }
            if info.st_mode & S_IFMT == S_IFLNK {
                throw StateDirectoryError.unsafe(
                    path,
                    "\(directory) is a symlink (owned by uid \(info.st_uid)); rekey never follows a link inside its state directory. Remove the symlink \(directory); rekey recreates the directory."
                )
            }
            if info.st_uid != geteuid() && info.st_uid != 0 {
                throw StateDirectoryError.unsafe(
                    path,
                    "\(directory) belongs to uid \(info.st_uid), not to rekey's user (uid \(geteuid())) or root, so that user could read the spooled keys or redirect them. Run chown -R \(geteuid()) \(path) (after checking what it holds), or pass another --state-dir."
                )
            }
            if info.st_mode & 0o077 != 0 {
                _ = chmod(directory, 0o700)
            }
        }
        if let problem = ownership.problems(forDirectory: path).first {
            throw StateDirectoryError.unsafe(path, "\(problem)")
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
