// Locks that vanish with their process: `flock` on a file in the state directory.
// Per-credential locks are taken without blocking (a held lock means "skip"); the
// global run lock can wait, polling through the clock so no thread blocks.

import Foundation
import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

public enum FileLockError: Error, CustomStringConvertible {
    case cannotOpen(String, String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): "cannot take the lock \(path) (\(why))"
        }
    }
}

public final class FileLock: Lease {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the lock on `path` if it is free; nil when another process holds it.
    public static func tryAcquire(path: String) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return FileLock(descriptor: fd)
    }

    /// Waits for the lock, blocking the calling thread: only for short start-up sections
    /// (initialising a state directory), never on the task pool during a run.
    public static func acquireBlocking(path: String) throws -> FileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileLockError.cannotOpen(path, String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let why = String(cString: strerror(errno))
            close(fd)
            throw FileLockError.cannotOpen(path, why)
        }
        return FileLock(descriptor: fd)
    }

    /// Waits for the lock, checking every `interval`, up to `timeout`.
    public static func acquire(
        path: String, clock: any RekeyClock, interval: Duration = .milliseconds(250), timeout: Duration
    ) async throws -> FileLock? {
        let deadline = clock.now() + timeout.seconds
        while true {
            if let lock = tryAcquire(path: path) { return lock }
            if clock.now() >= deadline { return nil }
            try await clock.sleep(for: interval)
        }
    }

    public func release() {
        // Closing the descriptor releases the flock.
        close(descriptor)
    }
}

/// Lock files for jobs and for the run, in `<state-dir>/locks`.
public struct LockDirectory: LeaseProvider {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// One lock per job; job names are unique and no two jobs share a credential source.
    public func tryClaim(_ job: Job) async -> (any Lease)? {
        FileLock.tryAcquire(path: "\(path)/job-\(job.name).lock")
    }

    public var runLockPath: String { "\(path)/run.lock" }
}
