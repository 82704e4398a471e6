// The typed errors of the sink layer (durable writes, file and env-file sinks, preflight).
// Every message names the file and the step and says what to do next; none ever holds
// a secret (a value that cannot be written is described by the rule it breaks, not shown).

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum SinkError: Error, Sendable, Hashable {
    /// The sink path is a symlink whose final target does not exist.
    case danglingSymlink(path: String, target: String)
    /// Too many symlinks in a row (a loop).
    case symlinkLoop(path: String)
    /// The target exists but is a directory, device, FIFO or socket.
    case notARegularFile(path: String)
    /// The directory that must hold the target does not exist (or is not a directory).
    case directoryMissing(directory: String)
    /// EACCES/EPERM at a step.
    case permissionDenied(path: String, step: DurableWriteStep)
    /// EROFS at a step.
    case readOnlyFileSystem(path: String, step: DurableWriteStep)
    /// ENOSPC/EDQUOT at a step.
    case diskFull(path: String, step: DurableWriteStep)
    /// Any other errno at a step.
    case io(path: String, step: DurableWriteStep, errno: Int32)
    /// rekey cannot give the file the owner/group it must keep (needs root or the owner's uid).
    case cannotReproduceOwnership(path: String, uid: UInt32, gid: UInt32)
    case unknownOwner(name: String)
    case unknownGroup(name: String)
    /// An env-file sink without a `key`, or a key that is not a valid variable name.
    case invalidEnvKey(path: String, key: String)
    /// The secret cannot be carried by the sink's format; retrying cannot help.
    case valueNotRepresentable(path: String, key: String?, rule: String)
    /// Reading back: the env file has no assignment of the key.
    case keyNotFound(path: String, key: String)
    /// Reading back: the assignment exists but rekey cannot be sure what value a reader sees.
    case unreadableValue(path: String, key: String, reason: String)
    /// The existing env file cannot be parsed (an unterminated quote) — rekey will not rewrite it.
    case malformedEnvFile(path: String, line: Int, reason: String)
    case fileTooLarge(path: String, limit: Int)
    case notUTF8(path: String)
    /// Reading back a file that does not exist.
    case fileMissing(path: String)
    /// The file, a symlink or a directory on its way breaks the ownership rule.
    case unsafeOwnership(OwnershipViolation)
    /// The sink resolves into rekey's own state directory.
    case insideStateDirectory(path: String, resolved: String, stateDirectory: String)
    /// The sink is the same file (and key) as another sink of this run.
    case sameFileAsAnotherSink(path: String, other: String)
    /// A remote sink (Vault KV, AWS Secrets Manager) failed.
    case remote(RemoteSinkFailure)

    /// True when retrying the write cannot succeed because of the value itself: the runner
    /// reports the job `needs-recovery` and keeps the spool. Other errors roll forward
    /// (`rekey recover` retries them once the cause is fixed).
    public var needsRecovery: Bool {
        if case .valueNotRepresentable = self { return true }
        if case .remote(let failure) = self, failure.kind == .unusableContent { return true }
        return false
    }

    /// Maps an errno from a step to the closest typed case.
    static func from(errno code: Int32, path: String, step: DurableWriteStep) -> SinkError {
        switch code {
        case ENOSPC, EDQUOT: .diskFull(path: path, step: step)
        case EACCES, EPERM: .permissionDenied(path: path, step: step)
        case EROFS: .readOnlyFileSystem(path: path, step: step)
        case ENOENT where step == .create: .directoryMissing(directory: SinkPath.directory(of: path))
        case ENOTDIR where step == .create: .directoryMissing(directory: SinkPath.directory(of: path))
        default: .io(path: path, step: step, errno: code)
        }
    }
}

extension SinkError: CustomStringConvertible, LocalizedError {
    private static let rollForward =
        "If a rotation was under way, the new secret is kept in the spool and `rekey recover` delivers it once this is fixed."

    public var description: String {
        switch self {
        case .danglingSymlink(let path, let target):
            "\(path) is a symlink to \(target), which does not exist. Create the target file (or point the link at the right file, or change the sink's path), then run again."
        case .symlinkLoop(let path):
            "\(path): too many levels of symlinks (a loop?). Fix the links or change the sink's path."
        case .notARegularFile(let path):
            "\(path) exists but is not a regular file. A sink must be a file: change the sink's path or remove what is there."
        case .directoryMissing(let directory):
            "Directory \(directory) does not exist. Create it (with the owner and mode the application expects) or fix the sink's path."
        case .permissionDenied(let path, let step):
            "Permission denied at step \(step) for \(path). Run rekey as a user that may write that directory and keep the file's owner (usually root), or fix the permissions. \(Self.rollForward)"
        case .readOnlyFileSystem(let path, let step):
            "\(path) is on a read-only file system (step \(step)). Remount it read-write or move the sink. \(Self.rollForward)"
        case .diskFull(let path, let step):
            "No space left on the device holding \(path) (step \(step)). Free space (or raise the quota) on that file system. \(Self.rollForward)"
        case .io(let path, let step, let code):
            "I/O error at step \(step) for \(path): \(String(cString: strerror(code))) (errno \(code)). Check the file system. \(Self.rollForward)"
        case .cannotReproduceOwnership(let path, let uid, let gid):
            "\(path) must be owned by uid \(uid) gid \(gid), and this process cannot give a new file that owner. Run rekey as root or as that user, or change the sink's owner/group."
        case .unknownOwner(let name):
            "No user named \(name) exists on this host. Fix the sink's `owner`."
        case .unknownGroup(let name):
            "No group named \(name) exists on this host. Fix the sink's `group`."
        case .invalidEnvKey(let path, let key):
            "env-file sink \(path): key \(key.isEmpty ? "(missing)" : "\"\(key)\"") is not a valid variable name (letters, digits, underscore; not starting with a digit). Fix the sink's `key`."
        case .valueNotRepresentable(let path, let key, let rule):
            "The new secret cannot be written safely to \(path)\(key.map { " as \($0)" } ?? ""): it \(rule). The secret is kept in the spool; deliver it by hand (or switch this sink to `kind: file`) and record it with `rekey adopt`."
        case .keyNotFound(let path, let key):
            "\(path) has no assignment of \(key). Add `\(key)='<current value>'` to it, or reference the credential another way."
        case .unreadableValue(let path, let key, let reason):
            "\(path): the value of \(key) \(reason), so rekey cannot tell what value a reader gets. Write it in single quotes: \(key)='...'."
        case .malformedEnvFile(let path, let line, let reason):
            "\(path):\(line): \(reason). rekey will not rewrite a file it cannot parse; fix that line."
        case .fileTooLarge(let path, let limit):
            "\(path) is larger than \(limit) bytes; that is not a credential or env file rekey will handle. Check the path."
        case .notUTF8(let path):
            "\(path) is not valid UTF-8. rekey only edits text files; fix the file or the path."
        case .fileMissing(let path):
            "\(path) does not exist. Write the current credential there first, or reference it another way."
        case .unsafeOwnership(let violation):
            "\(violation) rekey writes no key where another user could redirect or read it."
        case .insideStateDirectory(let path, let resolved, let stateDirectory):
            "\(path)\(resolved == path ? "" : " (really \(resolved))") is inside rekey's state directory \(stateDirectory), where it would overwrite rekey's own files (audit key, spool). Point the sink at a file outside \(stateDirectory)."
        case .sameFileAsAnotherSink(let path, let other):
            "\(path) is the same file as \(other) (found by device and inode): one would overwrite the other's key. Give each sink its own file (or, for env-file sinks, its own key)."
        case .remote(let failure):
            failure.description
        }
    }

    public var errorDescription: String? { description }
}
