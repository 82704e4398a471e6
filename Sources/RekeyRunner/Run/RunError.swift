// Why `rekey run` (or `recover`, `adopt`, `baseline`) did not get to rotate anything,
// with the exit status each gives and what to do next.

import Foundation
import RekeyModel

public enum RunError: Error, LocalizedError, CustomStringConvertible {
    /// Some job files are invalid and `--skip-invalid` was not given.
    case invalidJobFiles(count: Int)
    /// `--job` named jobs that no job file defines.
    case unknownJobs([String], jobsDirectory: String)
    /// `--grace` is shorter than a job's per-attempt timeout plus the time to deliver.
    case graceTooShort(grace: RekeyDuration, job: String, timeout: Duration, allowance: Duration)
    /// Another scheduled run holds the run lock.
    case lockHeld(String)
    /// The state directory or the audit log cannot be opened.
    case state(any Error)
    /// SIGTERM/SIGINT arrived before the run started.
    case stoppedBeforeStart(ExitStatus)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidJobFiles: .invalidJobFiles
        case .unknownJobs, .graceTooShort: .usage
        case .lockHeld: .lockHeld
        case .state: .jobFailed
        case .stoppedBeforeStart(let status): status
        }
    }

    public var description: String {
        switch self {
        case .invalidJobFiles(let count):
            "\(count) error(s) in job files or rekey.yaml; nothing was rotated (fix them, or pass --skip-invalid)"
        case .unknownJobs(let names, let directory):
            "no job named \(names.joined(separator: ", ")) in \(directory)"
        case .graceTooShort(let grace, let job, let timeout, let allowance):
            "--grace \(grace) is too short: job '\(job)' may wait \(timeout) for a vendor answer after a stop, and delivering it needs \(allowance) more; pass --grace of at least \(RekeyDuration(seconds: Int64((timeout + allowance).seconds.rounded(.up)))) (and keep systemd's TimeoutStopSec / Kubernetes' terminationGracePeriodSeconds 30 s above it)"
        case .lockHeld(let path):
            "another scheduled rekey run is in progress (lock \(path)); this one exits. Use --wait to wait for it"
        case .state(let error): "\(error)"
        case .stoppedBeforeStart: "stopped before the run started; nothing was done"
        }
    }

    public var errorDescription: String? { description }
}
