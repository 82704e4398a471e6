// Which sink declarations of one run write which file, by file identity: two sinks that are
// one file (a symlinked directory, a bind mount, a link made after validation) would
// overwrite each other's key and both report ok. The job-file validator compares resolved
// paths; this is the runtime check at preflight, against races and bind mounts. An existing
// file is known by device + inode, a new one by its directory's device + inode and its name
// (the durable writer's rename gives a file a new inode, so both are recorded).

import RekeyModel
import Synchronization

/// A file as the kernel knows it.
enum FileIdentity: Hashable, Sendable {
    case file(device: UInt64, inode: UInt64)
    case entry(device: UInt64, inode: UInt64, name: String)

    /// The identities of a resolved sink target (none when its directory cannot be read).
    static func of(_ target: ResolvedSinkTarget) -> [FileIdentity] {
        guard case .success(let directory) = SinkPath.status(target.directory) else { return [] }
        var identities = [
            FileIdentity.entry(
                device: directory.device, inode: directory.inode, name: SinkPath.lastComponent(of: target.path))
        ]
        if let existing = target.existing {
            identities.append(.file(device: existing.device, inode: existing.inode))
        }
        return identities
    }
}

/// Every sink preflighted in one run, by the file it writes. Claims last for the whole run:
/// a job that already delivered still owns its file.
final class SinkFileClaims: Sendable {
    struct Claim: Hashable, Sendable {
        var sinkID: String
        var path: String
        var location: SourceLocation
        /// The variable an env-file sink sets (two env-file sinks of one file may set
        /// different keys); nil for a file sink, which owns the whole file.
        var envKey: String?

        init(_ sink: SinkSpec) {
            sinkID = sink.id
            path = sink.path
            location = sink.location
            envKey = sink.kind == .envFile ? sink.key : nil
        }

        func isSameDeclaration(as other: Claim) -> Bool {
            sinkID == other.sinkID && location == other.location
        }

        func conflicts(with other: Claim) -> Bool {
            !isSameDeclaration(as: other) && (envKey == nil || other.envKey == nil || envKey == other.envKey)
        }

        var description: String { "sink \(sinkID) (\(path), declared at \(location))" }
    }

    private let claimed = Mutex<[FileIdentity: [Claim]]>([:])

    /// Records that `claim` writes the file known by `identities`; returns the earlier sink
    /// declaration that writes the same file (and key), if any (then nothing is recorded).
    func claim(_ claim: Claim, identities: [FileIdentity]) -> Claim? {
        claimed.withLock { claimed in
            for identity in identities {
                if let other = claimed[identity, default: []].first(where: { claim.conflicts(with: $0) }) {
                    return other
                }
            }
            for identity in identities where !claimed[identity, default: []].contains(claim) {
                claimed[identity, default: []].append(claim)
            }
            return nil
        }
    }
}
