// Path and file-status plumbing for the sinks: lstat/stat, symlink resolution, capped
// reads, user/group lookup. Thin Glibc wrappers, because swift-system lacks most of them
// on Linux and Foundation hides errno.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An errno as an Error, for `Result`.
struct PosixErrno: Error, Hashable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// `struct group`, named so the static `group(named:)` below does not shadow it.
typealias PosixGroupEntry = group

/// The parts of `struct stat` the sinks care about.
struct FileStatus: Sendable, Hashable {
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    /// File identity (`st_dev`, `st_ino`): two paths name one file when both match.
    var device: UInt64 = 0
    var inode: UInt64 = 0

    var permissions: UInt16 { UInt16(mode & 0o7777) }
    var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
    var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    var isSymlink: Bool { mode & 0o170000 == 0o120000 }
}

extension FileStatus {
    init(_ st: stat) {
        self.init(
            mode: UInt32(st.st_mode), uid: UInt32(st.st_uid), gid: UInt32(st.st_gid), device: UInt64(st.st_dev),
            inode: UInt64(st.st_ino))
    }
}

/// Where a sink's bytes really go, after following symlinks.
struct ResolvedSinkTarget: Sendable, Hashable {
    /// The path the job names.
    var requested: String
    /// The file written: `requested`, or the file its symlink chain points to.
    var path: String
    /// The target's status, or nil when it does not exist yet (a new file).
    var existing: FileStatus?

    var directory: String { SinkPath.directory(of: path) }
}

enum SinkPath {
    static let maximumSymlinkHops = 40

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func lstatus(_ path: String) -> Result<FileStatus, PosixErrno> {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .failure(PosixErrno(errno)) }
        return .success(FileStatus(st))
    }

    static func status(_ path: String) -> Result<FileStatus, PosixErrno> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(PosixErrno(errno)) }
        return .success(FileStatus(st))
    }

    static func readLink(_ path: String) -> Result<String, PosixErrno> {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return .failure(PosixErrno(errno)) }
        let bytes = buffer[0..<count].map { UInt8(bitPattern: $0) }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// Follows a symlink chain at the final component. A missing `path` is a new file; a
    /// missing file at the end of a chain is a dangling link (an error: writing a new file
    /// where a link pointed is almost never what the operator meant).
    static func resolve(_ path: String) throws(SinkError) -> ResolvedSinkTarget {
        var current = path
        for hop in 0...maximumSymlinkHops {
            switch lstatus(current) {
            case .failure(let error) where error.code == ENOENT:
                if hop == 0 { return ResolvedSinkTarget(requested: path, path: path, existing: nil) }
                throw .danglingSymlink(path: path, target: current)
            case .failure(let error) where error.code == ENOTDIR:
                throw .directoryMissing(directory: directory(of: current))
            case .failure(let error):
                throw SinkError.from(errno: error.code, path: current, step: .inspect)
            case .success(let status) where status.isSymlink:
                let target: String
                switch readLink(current) {
                case .success(let value): target = value
                case .failure(let error): throw SinkError.from(errno: error.code, path: current, step: .inspect)
                }
                current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
            case .success(let status):
                guard status.isRegularFile else { throw .notARegularFile(path: current) }
                return ResolvedSinkTarget(requested: path, path: current, existing: status)
            }
        }
        throw .symlinkLoop(path: path)
    }

    /// Reads a whole file, refusing more than `limit` bytes (a credential or env file is small;
    /// a wrong path to a huge file must not eat memory).
    /// Opens without blocking and refuses anything but a regular file: a FIFO planted at a
    /// credential or sink path would otherwise block the run forever while it holds its lock.
    /// With `followSymlinks: false` a symlink at `path` is refused (O_NOFOLLOW), never read.
    static func readBytes(_ path: String, limit: Int, followSymlinks: Bool = true) throws(SinkError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .fileMissing(path: path) }
            if code == ELOOP, !followSymlinks { throw .notARegularFile(path: path) }
            throw SinkError.from(errno: code, path: path, step: .read)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SinkError.from(errno: errno, path: path, step: .read) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SinkError.from(errno: errno, path: path, step: .read)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { throw .fileTooLarge(path: path, limit: limit) }
        }
        return bytes
    }

    static func readText(_ path: String, limit: Int) throws(SinkError) -> String {
        let bytes = try readBytes(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return text
    }

    /// A user name (or a numeric uid) to its uid and primary gid.
    static func user(named name: String) throws(SinkError) -> (uid: UInt32, gid: UInt32) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        if getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil {
            return (UInt32(entry.pw_uid), UInt32(entry.pw_gid))
        }
        if let uid = UInt32(name) {
            if getpwuid_r(uid_t(uid), &entry, &buffer, buffer.count, &result) == 0, result != nil {
                return (uid, UInt32(entry.pw_gid))
            }
            return (uid, UInt32(getegid()))
        }
        throw .unknownOwner(name: name)
    }

    /// A group name (or a numeric gid) to its gid.
    static func group(named name: String) throws(SinkError) -> UInt32 {
        var entry = PosixGroupEntry()
        var result: UnsafeMutablePointer<PosixGroupEntry>? = nil
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        if getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil {
            return UInt32(entry.gr_gid)
        }
        if let gid = UInt32(name) { return gid }
        throw .unknownGroup(name: name)
    }
}
