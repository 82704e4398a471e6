import Foundation
import RekeyTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Freezes a child process (SIGSTOP) so a test can read what it has committed at that very
/// moment and deliver a signal or close a pipe then; SIGCONT lets it go on. A stop changes no
/// outcome: a kill at any instant of a frozen process is a kill at that instant of a running one,
/// and a signal sent to a frozen process arrives the moment it continues.
enum ProcessPause {
    /// Stops `pid` and waits until the whole process has stopped; false when it exited first.
    static func stop(_ pid: pid_t) -> Bool {
        guard kill(pid, SIGSTOP) == 0 else { return false }
        var info = siginfo_t()
        while true {
            // WNOWAIT: an exit stays for Process to reap; a stop report goes away at SIGCONT.
            if waitid(P_PID, id_t(pid), &info, WSTOPPED | WEXITED | WNOWAIT) == 0 {
                return info.si_code == Int32(CLD_STOPPED)
            }
            if errno != EINTR { return false }
        }
    }

    static func resume(_ pid: pid_t) {
        kill(pid, SIGCONT)
    }

    /// Resumes a frozen process after a while unless disarmed first.
    final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private var armed: Bool

        init(pid: pid_t, after delay: DispatchTimeInterval, armed: Bool) {
            self.armed = armed
            guard armed else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
                if disarm() { ProcessPause.resume(pid) }
            }
        }

        /// True when the watchdog had not fired: the process is still frozen.
        func disarm() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            let was = armed
            armed = false
            return was
        }
    }

    /// Starts `rekey ARGS` with SIGPIPE at its default disposition, as a shell pipeline gives it
    /// (the test runner may ignore SIGPIPE, and an ignored signal stays ignored across exec): a
    /// python3 wrapper resets it and execs rekey in place, so the pid is rekey's.
    static func startWithDefaultSIGPIPE(_ arguments: [String], standardOutput: Any, standardError: Any) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                RekeyProcess.binary.path,
            ] + arguments
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
