// The ownership rule ssh and sudo apply, adapted (DESIGN "File ownership"): a file rekey
// writes (a sink, a spool entry) or a directory it keeps secrets in (the state directory)
// is safe only if no user but rekey's and root can swap it, or a directory above it, under
// rekey's feet.
//
// The path is walked as the kernel walks it, component by component, so every symlink on
// the way (in a directory or at the end) is seen at its real place. From the directory that
// holds the file (and from the directory of each symlink passed) the rule walks up until the
// first directory owned by root that is not group- or world-writable. On the way:
//   - a directory owned by a uid other than rekey's or root is refused;
//   - a world-writable directory must be sticky, and the entry below it must be owned by
//     rekey's effective uid (the file itself may also be root's: see the file rule);
//   - a group-writable (not world-writable) directory is allowed only when its group is
//     rekey's gid or one of its supplementary groups (Kubernetes `fsGroup`);
//   - a symlink owned by a uid other than rekey's or root is never followed;
//   - an existing file owned by a uid other than rekey's or root is refused unless the sink
//     names that owner explicitly.
// Pure functions over `FileSystemView`, so tests describe trees instead of needing root.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the rule reads from the file system; tests pass a described tree.
struct FileSystemView: Sendable {
    var lstat: @Sendable (String) -> Result<FileStatus, PosixErrno>
    var readLink: @Sendable (String) -> Result<String, PosixErrno>
    var currentDirectory: @Sendable () -> String

    static let live = FileSystemView(
        lstat: { SinkPath.lstatus($0) }, readLink: { SinkPath.readLink($0) },
        currentDirectory: {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { return "/" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        })
}

public struct PathOwnership: Sendable {
    let identity: ProcessIdentity
    let fileSystem: FileSystemView

    /// The rule for this process (its effective uid, gid and supplementary groups).
    public init(identity: ProcessIdentity = .current) {
        self.init(identity: identity, fileSystem: .live)
    }

    init(identity: ProcessIdentity, fileSystem: FileSystemView) {
        self.identity = identity
        self.fileSystem = fileSystem
    }

    /// One directory entry and its lstat.
    struct Entry: Hashable {
        var path: String
        var status: FileStatus?
    }

    /// Where a path leads: the real path of its last component (no symlink in it), that
    /// component's lstat (nil when it does not exist yet), and every symlink passed.
    /// `complete` is false when a directory on the way is missing or unreadable (other checks
    /// report that).
    struct Walk: Hashable {
        var path: String
        var status: FileStatus?
        var links: [Entry]
        var complete: Bool
    }

    func walk(_ path: String) -> Walk {
        let absolute = path.hasPrefix("/") ? path : fileSystem.currentDirectory() + "/" + path
        var pending = Array(absolute.split(separator: "/").map(String.init).reversed())
        var current = ""  // the real directory reached so far; "" is "/"
        var links: [Entry] = []
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                current = Self.parent(current)
                continue
            }
            let candidate = current + "/" + name
            let last = pending.isEmpty
            switch fileSystem.lstat(candidate) {
            case .failure(let error):
                return Walk(path: candidate, status: nil, links: links, complete: last && error.code == ENOENT)
            case .success(let status) where status.isSymlink:
                links.append(Entry(path: candidate, status: status))
                guard links.count <= SinkPath.maximumSymlinkHops,
                    case .success(let target) = fileSystem.readLink(candidate)
                else { return Walk(path: candidate, status: status, links: links, complete: false) }
                if target.hasPrefix("/") { current = "" }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
            case .success(let status):
                if last { return Walk(path: candidate, status: status, links: links, complete: true) }
                guard status.isDirectory else {
                    return Walk(path: candidate, status: nil, links: links, complete: false)
                }
                current = candidate
            }
        }
        let real = current.isEmpty ? "/" : current
        return Walk(path: real, status: try? fileSystem.lstat(real).get(), links: links, complete: true)
    }

    static func parent(_ real: String) -> String {
        let up = SinkPath.directory(of: real)
        return up == "/" ? "" : up
    }

    /// Every problem of a file rekey replaces. `allowedOwner`: the uid the sink names with
    /// `owner:`, which may own an existing file.
    public func problems(forFile path: String, allowedOwner: UInt32? = nil) -> [OwnershipViolation] {
        let walk = walk(path)
        var found = linkProblems(walk.links)
        found += ancestors(
            from: SinkPath.directory(of: walk.path), below: Entry(path: walk.path, status: walk.status),
            belowIsTheFile: true)
        if let status = walk.status, status.isRegularFile, !isTrusted(status.uid), status.uid != allowedOwner {
            found.append(.fileOfAnotherUser(path: walk.path, uid: status.uid))
        }
        return Self.unique(found)
    }

    /// Every problem of a directory rekey keeps secrets in (the state directory, the spool).
    /// A missing directory has none (creating it is someone else's step).
    public func problems(forDirectory path: String) -> [OwnershipViolation] {
        let walk = walk(path)
        var found = linkProblems(walk.links)
        if walk.status != nil { found += ancestors(from: walk.path, below: nil, belowIsTheFile: false) }
        return Self.unique(found)
    }

    func isTrusted(_ uid: UInt32) -> Bool { uid == identity.uid || uid == 0 }

    /// Each symlink passed must be rekey's or root's, and so must the directories above it.
    func linkProblems(_ links: [Entry]) -> [OwnershipViolation] {
        links.flatMap { link -> [OwnershipViolation] in
            var found: [OwnershipViolation] = []
            if let uid = link.status?.uid, !isTrusted(uid) {
                found.append(.symlinkOfAnotherUser(path: link.path, uid: uid))
            }
            return found + ancestors(from: SinkPath.directory(of: link.path), below: link, belowIsTheFile: false)
        }
    }

    /// Walks up from the real directory `start` until the first directory owned by root that
    /// is not group- or world-writable (or `/`). `below` is the entry under `start` on the way.
    func ancestors(from start: String, below: Entry?, belowIsTheFile: Bool) -> [OwnershipViolation] {
        var found: [OwnershipViolation] = []
        var directory = start
        var child = below
        var childIsTheFile = belowIsTheFile
        while case .success(let status) = fileSystem.lstat(directory) {
            let bits = status.permissions
            if !isTrusted(status.uid) {
                found.append(.directoryOfAnotherUser(directory: directory, uid: status.uid, rekeyUID: identity.uid))
            }
            if bits & 0o002 != 0 {
                if bits & 0o1000 == 0 {
                    found.append(.worldWritableNotSticky(directory: directory))
                } else if let child, let owner = child.status, owner.uid != identity.uid, !childIsTheFile,
                    !found.contains(where: { $0.path == child.path })
                {
                    found.append(
                        owner.isSymlink && owner.uid != 0
                            ? .symlinkOfAnotherUser(path: child.path, uid: owner.uid)
                            : .entryOfAnotherUserInSharedDirectory(
                                path: child.path, uid: owner.uid, directory: directory, rekeyUID: identity.uid))
                }
            } else if bits & 0o020 != 0, !identity.hasGroup(status.gid) {
                found.append(.groupWritableByAnotherGroup(directory: directory, gid: status.gid))
            }
            if (status.uid == 0 && bits & 0o022 == 0) || directory == "/" { break }
            child = Entry(path: directory, status: status)
            childIsTheFile = false
            directory = SinkPath.directory(of: directory)
        }
        return found
    }

    static func unique(_ problems: [OwnershipViolation]) -> [OwnershipViolation] {
        var seen = Set<OwnershipViolation>()
        return problems.filter { seen.insert($0).inserted }
    }
}
