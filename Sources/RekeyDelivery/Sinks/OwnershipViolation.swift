// One breach of the ownership rule (`PathOwnership`): which path, who could swap it, and
// the command that makes it safe. Messages never hold a secret.

public enum OwnershipViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// A directory on the way belongs to a uid that is neither rekey's nor root.
    case directoryOfAnotherUser(directory: String, uid: UInt32, rekeyUID: UInt32)
    /// A directory on the way is writable by everyone and not sticky.
    case worldWritableNotSticky(directory: String)
    /// An entry in a sticky, world-writable directory belongs to another uid.
    case entryOfAnotherUserInSharedDirectory(path: String, uid: UInt32, directory: String, rekeyUID: UInt32)
    /// A symlink on the way belongs to a uid that is neither rekey's nor root.
    case symlinkOfAnotherUser(path: String, uid: UInt32)
    /// A directory on the way is writable by a group rekey is not in.
    case groupWritableByAnotherGroup(directory: String, gid: UInt32)
    /// The existing file belongs to a uid that is neither rekey's nor root (nor the sink's `owner:`).
    case fileOfAnotherUser(path: String, uid: UInt32)

    /// The path the violation is about.
    public var path: String {
        switch self {
        case .directoryOfAnotherUser(let path, _, _), .worldWritableNotSticky(let path),
            .entryOfAnotherUserInSharedDirectory(let path, _, _, _), .symlinkOfAnotherUser(let path, _),
            .groupWritableByAnotherGroup(let path, _), .fileOfAnotherUser(let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .directoryOfAnotherUser(let directory, let uid, let rekeyUID):
            "\(directory) belongs to uid \(uid), neither rekey's user (uid \(rekeyUID)) nor root, so that user could swap what rekey writes below it. Run chown root \(directory) (or chown \(rekeyUID) \(directory)), or move the file elsewhere."
        case .worldWritableNotSticky(let directory):
            "\(directory) is writable by every user and not sticky, so anyone could swap what rekey writes below it. Run chmod o-w,+t \(directory) (or only chmod +t \(directory) if other users must keep creating files there), or move the file elsewhere."
        case .entryOfAnotherUserInSharedDirectory(let path, let uid, let directory, let rekeyUID):
            "\(path) belongs to uid \(uid) and sits in \(directory), which every user can write, so it is not rekey's to trust. Use a directory of rekey's user there (chown \(rekeyUID) \(path), after checking what it holds), or move the file elsewhere."
        case .symlinkOfAnotherUser(let path, let uid):
            "\(path) is a symlink owned by uid \(uid), neither rekey's user nor root; rekey never follows another user's link. Remove the symlink \(path) planted by uid \(uid) (recreate it as root if it is meant to be there)."
        case .groupWritableByAnotherGroup(let directory, let gid):
            "\(directory) is writable by group \(gid), which rekey's user is not in, so that group could swap what rekey writes below it. Run chmod g-w \(directory), or chgrp it to one of rekey's groups."
        case .fileOfAnotherUser(let path, let uid):
            "\(path) already exists and belongs to uid \(uid), neither rekey's user nor root: that user made it and would read the key (an existing file keeps its owner and mode). Remove it or chown root \(path); if the key is meant for that user, name it in the sink with `owner:`."
        }
    }
}
