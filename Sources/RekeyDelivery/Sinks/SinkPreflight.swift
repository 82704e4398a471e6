// Checks, before any vendor call, that every sink of a job can be written: once a
// QuestionPro key is regenerated the old one is dead, so a sink that fails afterwards is an
// incident; a sink that fails now is just a failed job. Reports every problem of every
// sink, not only the first.

import RekeyModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who this process is, for "can we give a file this owner?". Injected so tests can play a
/// non-root user while running as root.
public struct ProcessIdentity: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var supplementaryGroups: Set<UInt32>

    public init(uid: UInt32, gid: UInt32, supplementaryGroups: Set<UInt32> = []) {
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
    }

    public static var current: ProcessIdentity {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let filled = count > 0 ? getgroups(count, &groups) : 0
        return ProcessIdentity(
            uid: UInt32(geteuid()), gid: UInt32(getegid()),
            supplementaryGroups: Set(groups.prefix(Int(max(filled, 0))).map { UInt32($0) }))
    }

    /// Whether `gid` is this process's gid or one of its supplementary groups.
    public func hasGroup(_ gid: UInt32) -> Bool {
        gid == self.gid || supplementaryGroups.contains(gid)
    }

    /// fchown(2) lets root give any owner; anyone else only their own uid and their groups.
    public func canAssign(uid: UInt32, gid: UInt32) -> Bool {
        if self.uid == 0 { return true }
        return uid == self.uid && (gid == self.gid || supplementaryGroups.contains(gid))
    }
}

/// One problem with one sink.
public struct SinkProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var sinkID: String
    public var error: SinkError

    public init(sinkID: String, error: SinkError) {
        self.sinkID = sinkID
        self.error = error
    }

    public var description: String { "sink \(sinkID): \(error)" }
}

public struct SinkPreflight: Sendable {
    let identity: ProcessIdentity
    let hook: DurableWriteHook
    let ownership: PathOwnership
    let stateDirectory: String?
    let claims = SinkFileClaims()

    /// `identity` answers "may this process give a file that owner?"; `ownership` is the
    /// file-ownership rule (for `identity` by default); sinks may not resolve into
    /// `stateDirectory`. Sinks of every `problems(for:)` call on one preflight are compared
    /// by file identity (one preflight per run).
    public init(
        identity: ProcessIdentity = .current, hook: DurableWriteHook = .none,
        ownership: PathOwnership? = nil,
        stateDirectory: String? = nil
    ) {
        self.identity = identity
        self.hook = hook
        self.ownership = ownership ?? PathOwnership(identity: identity)
        self.stateDirectory = stateDirectory
    }

    /// Every problem of every sink; empty means all can be written.
    public func problems(for sinks: [SinkSpec]) -> [SinkProblem] {
        sinks.flatMap { sink in problems(for: sink).map { SinkProblem(sinkID: sink.id, error: $0) } }
    }

    func problems(for sink: SinkSpec) -> [SinkError] {
        var found: [SinkError] = []
        if sink.kind == .envFile, !EnvFileSyntax.isValidKey(sink.key ?? "") {
            found.append(.invalidEnvKey(path: sink.path, key: sink.key ?? ""))
        }
        let declaredOwner = sink.owner.flatMap { try? SinkPath.user(named: $0).uid }
        var unsafe = ownership.problems(forFile: sink.path, allowedOwner: declaredOwner)
        // A link or directory another user controls is not followed, not even to probe.
        if unsafe.contains(where: { if case .fileOfAnotherUser = $0 { false } else { true } }) {
            return found + unsafe.map(SinkError.unsafeOwnership)
        }
        let target: ResolvedSinkTarget
        do {
            target = try SinkPath.resolve(sink.path)
        } catch {
            return found + [error]
        }
        switch SinkPath.status(target.directory) {
        case .success(let status) where status.isDirectory: break
        default: return found + [.directoryMissing(directory: target.directory)]
        }
        if let stateDirectory, let resolved = inside(stateDirectory, sink.path) {
            found.append(.insideStateDirectory(path: sink.path, resolved: resolved, stateDirectory: stateDirectory))
        }
        if let other = claims.claim(SinkFileClaims.Claim(sink), identities: FileIdentity.of(target)) {
            found.append(.sameFileAsAnotherSink(path: sink.path, other: other.description))
        }
        do { try probeWritable(target.directory) } catch { found.append(error) }

        do {
            let attributes = try DurableFileWriter.attributes(for: target, newFile: NewFileAttributes(spec: sink))
            if !identity.canAssign(uid: attributes.uid, gid: attributes.gid) {
                found.append(.cannotReproduceOwnership(path: target.path, uid: attributes.uid, gid: attributes.gid))
                // The owner cannot be kept anyway: that problem already says what to do.
                unsafe.removeAll { if case .fileOfAnotherUser = $0 { true } else { false } }
            }
        } catch {
            found.append(error)
        }
        found += unsafe.map(SinkError.unsafeOwnership)

        // An env file is read and rewritten: it must be readable and parse.
        if sink.kind == .envFile, target.existing != nil {
            do {
                let text = try SinkPath.readText(target.path, limit: EnvFileSink.sizeLimit)
                if case .failure(let malformed) = EnvFileSyntax.assignments(in: text) {
                    found.append(.malformedEnvFile(path: target.path, line: malformed.line, reason: malformed.reason))
                }
            } catch {
                found.append(error)
            }
        }
        return found
    }

    /// The real path of `path` when it lies inside `directory` (compared by directory
    /// identity, so another spelling or a bind mount of the directory is caught too).
    func inside(_ directory: String, _ path: String) -> String? {
        guard case .success(let state) = SinkPath.status(directory) else { return nil }
        let real = ownership.walk(path).path
        var current = SinkPath.directory(of: real)
        while case .success(let status) = SinkPath.lstatus(current) {
            if status.device == state.device && status.inode == state.inode { return real }
            if current == "/" { break }
            current = SinkPath.directory(of: current)
        }
        return nil
    }

    /// Creates, writes, fsyncs and removes a temp file beside the target: proves the
    /// directory accepts new files now (permissions, read-only mount, a full disk).
    func probeWritable(_ directory: String) throws(SinkError) {
        // Errors name the directory, not the probe's throwaway file name.
        func failure(_ code: Int32, _ step: DurableWriteStep) -> SinkError {
            code == ENOENT
                ? .directoryMissing(directory: directory) : SinkError.from(errno: code, path: directory, step: step)
        }
        let probe = DurableFileWriter.temporaryPath(besides: directory + "/rekey-preflight")
        if let code = hook.beforeStep(.create, probe) { throw failure(code, .create) }
        let fd = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard fd >= 0 else { throw failure(errno, .create) }
        defer {
            close(fd)
            unlink(probe)
        }
        if let code = hook.beforeStep(.write, probe) { throw failure(code, .write) }
        try DurableFileWriter.writeAll(fd, [0x0A], path: directory)
        if let code = hook.beforeStep(.fsync, probe) { throw failure(code, .fsync) }
        guard fsync(fd) == 0 else { throw failure(errno, .fsync) }
    }
}
