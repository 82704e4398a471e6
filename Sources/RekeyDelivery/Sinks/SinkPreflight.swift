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

    public init(identity: ProcessIdentity = .current, hook: DurableWriteHook = .none) {
        self.identity = identity
        self.hook = hook
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
        do { try probeWritable(target.directory) } catch { found.append(error) }

        do {
            let attributes = try DurableFileWriter.attributes(for: target, newFile: NewFileAttributes(spec: sink))
            if !identity.canAssign(uid: attributes.uid, gid: attributes.gid) {
                found.append(.cannotReproduceOwnership(path: target.path, uid: attributes.uid, gid: attributes.gid))
            }
        } catch {
            found.append(error)
        }

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
