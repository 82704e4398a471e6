// Atomic, durable replacement of one file: temp file in the target's directory created
// 0600 with O_EXCL, written, given the target's owner/group/mode, fsynced, renamed over
// the target, directory fsynced. Readers see the old file or the new one, never a torn
// or world-readable one, and a crash leaves at worst a stray temp file.

import RekeyModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `write` is shadowed inside types that have a `write` method; name the syscall once.
#if canImport(Glibc)
    private let posixWrite = Glibc.write
#elseif canImport(Darwin)
    private let posixWrite = Darwin.write
#endif

/// The steps of a durable write (and of the preflight probe), named in errors and used by
/// the fault-injection hook.
public enum DurableWriteStep: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case inspect, read, create, write, chown, chmod, fsync, close, rename, syncDirectory
    public var description: String { rawValue }
}

/// A seam for tests: called before each step with the temp file's path. Returning an errno
/// makes the step fail as if the syscall had (ENOSPC at `.write`, EIO at `.fsync`, …);
/// returning nil lets it run. Tests also use it to observe the temp file mid-write.
public struct DurableWriteHook: Sendable {
    public let beforeStep: @Sendable (DurableWriteStep, String) -> Int32?

    public init(beforeStep: @escaping @Sendable (DurableWriteStep, String) -> Int32?) {
        self.beforeStep = beforeStep
    }

    public static let none = DurableWriteHook { _, _ in nil }

    /// Fails `step` with `code` every time it is reached.
    public static func fail(at step: DurableWriteStep, errno code: Int32) -> DurableWriteHook {
        DurableWriteHook { reached, _ in reached == step ? code : nil }
    }
}

/// Owner, group and mode for a file that does not exist yet (an existing file keeps its own).
public struct NewFileAttributes: Sendable, Hashable {
    public var mode: UInt16
    public var owner: String?
    public var group: String?

    public static let defaultMode: UInt16 = 0o600

    public init(mode: UInt16? = nil, owner: String? = nil, group: String? = nil) {
        self.mode = mode ?? Self.defaultMode
        self.owner = owner
        self.group = group
    }

    public init(spec: SinkSpec) {
        self.init(mode: spec.mode, owner: spec.owner, group: spec.group)
    }
}

public struct DurableFileWriter: Sendable {
    let hook: DurableWriteHook
    /// When set, the ownership rule is checked again right before each write: preflight and
    /// write are apart in time, and a link or file planted in between must not be followed.
    let ownership: PathOwnership?

    public init(hook: DurableWriteHook = .none, ownership: PathOwnership? = nil) {
        self.hook = hook
        self.ownership = ownership
    }

    /// Throws the first ownership problem of `path` (none without an ownership rule).
    func checkOwnership(of path: String, newFile: NewFileAttributes) throws(SinkError) {
        guard let ownership else { return }
        let declaredOwner = newFile.owner.flatMap { try? SinkPath.user(named: $0).uid }
        if let problem = ownership.problems(forFile: path, allowedOwner: declaredOwner).first {
            throw .unsafeOwnership(problem)
        }
    }

    /// Replaces the file at `path` (following symlinks) with `bytes`. Returns the path really
    /// written. Owner, group and mode: the existing file's, else `newFile`'s.
    @discardableResult
    public func replaceContents(of path: String, with bytes: [UInt8], newFile: NewFileAttributes) throws(SinkError)
        -> String
    {
        try checkOwnership(of: path, newFile: newFile)
        let target = try SinkPath.resolve(path)
        let attributes = try Self.attributes(for: target, newFile: newFile)
        try replace(target.path, with: bytes, attributes: attributes)
        return target.path
    }

    struct Attributes: Hashable {
        var mode: UInt16
        var uid: UInt32
        var gid: UInt32
    }

    /// The owner/group/mode the written file must end with.
    static func attributes(for target: ResolvedSinkTarget, newFile: NewFileAttributes) throws(SinkError) -> Attributes {
        if let existing = target.existing {
            return Attributes(mode: existing.permissions, uid: existing.uid, gid: existing.gid)
        }
        var uid = UInt32(geteuid())
        var gid = UInt32(getegid())
        if case .success(let directory) = SinkPath.status(target.directory), directory.mode & 0o2000 != 0 {
            gid = directory.gid  // a setgid directory gives new files its group; so do we
        }
        if let owner = newFile.owner {
            let user = try SinkPath.user(named: owner)
            uid = user.uid
            gid = user.gid
        }
        if let group = newFile.group { gid = try SinkPath.group(named: group) }
        return Attributes(mode: newFile.mode & 0o7777, uid: uid, gid: gid)
    }

    static func temporaryPath(besides target: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return SinkPath.directory(of: target) + "/." + SinkPath.lastComponent(of: target) + ".rekey-" + suffix + ".tmp"
    }

    private func check(_ step: DurableWriteStep, _ path: String) throws(SinkError) {
        if let code = hook.beforeStep(step, path) { throw SinkError.from(errno: code, path: path, step: step) }
    }

    private func fail(_ step: DurableWriteStep, _ path: String) -> SinkError {
        SinkError.from(errno: errno, path: path, step: step)
    }

    /// The write proper, on an already resolved regular-file path.
    func replace(_ targetPath: String, with bytes: [UInt8], attributes: Attributes) throws(SinkError) {
        let temporary = Self.temporaryPath(besides: targetPath)
        try check(.create, temporary)
        // 0600 from the first instant; umask can only make it stricter. O_EXCL|O_NOFOLLOW: never
        // write through something another user planted under our temp name.
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard fd >= 0 else { throw fail(.create, targetPath) }
        var descriptorOpen = true
        var renamed = false
        defer {
            if descriptorOpen { close(fd) }
            if !renamed { unlink(temporary) }
        }

        try check(.write, temporary)
        try Self.writeAll(fd, bytes, path: targetPath)

        // chown before chmod: chown clears setuid/setgid bits, chmod then sets the exact mode.
        try check(.chown, temporary)
        guard fchown(fd, uid_t(attributes.uid), gid_t(attributes.gid)) == 0 else {
            if errno == EPERM {
                throw .cannotReproduceOwnership(path: targetPath, uid: attributes.uid, gid: attributes.gid)
            }
            throw fail(.chown, targetPath)
        }
        try check(.chmod, temporary)
        guard fchmod(fd, mode_t(attributes.mode)) == 0 else { throw fail(.chmod, targetPath) }

        try check(.fsync, temporary)
        guard fsync(fd) == 0 else { throw fail(.fsync, targetPath) }
        try check(.close, temporary)
        descriptorOpen = false
        // close can report a deferred write error (NFS); it closes the descriptor either way.
        guard close(fd) == 0 else { throw fail(.close, targetPath) }

        try check(.rename, temporary)
        guard rename(temporary, targetPath) == 0 else { throw fail(.rename, targetPath) }
        renamed = true

        try check(.syncDirectory, temporary)
        try Self.syncDirectory(SinkPath.directory(of: targetPath))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SinkError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw SinkError.from(errno: errno, path: path, step: .write)
            }
            offset += count
        }
    }

    /// Makes a rename durable: without it a crash can bring the old directory entry back.
    static func syncDirectory(_ directory: String) throws(SinkError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SinkError.from(errno: errno, path: directory, step: .syncDirectory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SinkError.from(errno: errno, path: directory, step: .syncDirectory) }
    }

    /// Best-effort `syncDirectory` of the directory holding `path`, for writers that have
    /// already made their own file durable (the audit key, spool removals).
    public static func syncParentDirectory(of path: String) {
        try? syncDirectory(SinkPath.directory(of: path))
    }
}
