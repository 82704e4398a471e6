// The end of a run: every job's outcome, what still needs recovery, and the exit code
// (its table is `RunSummary+Table.swift` in RekeyReporting).

import Foundation
import RekeyModel

public struct RunSummary: Sendable {
    public var runID: String
    public var outcomes: [JobOutcome]
    /// Jobs not run this time that still need recovery from earlier runs.
    public var pendingRecovery: [String] = []
    /// Failing jobs held back by their failure backoff this time.
    public var backingOff: [BackingOff] = []

    /// A failing job waiting out its backoff.
    public struct BackingOff: Sendable, Hashable, Codable {
        public var job: String
        public var failures: Int
        public var retryAt: Date

        public init(job: String, failures: Int, retryAt: Date) {
            self.job = job
            self.failures = failures
            self.retryAt = retryAt
        }
    }
    /// SIGTERM/SIGINT arrived: the signal's exit code.
    public var stoppedBy: ExitStatus?
    public var seconds: Double = 0
    /// A one-off run (`--job`): a held job lock is then exit 75; a scheduled run skips it.
    public var oneOff = false
    /// Invalid job files were skipped (`--skip-invalid`): the run still exits 65.
    public var skippedInvalidFiles = false

    public init(runID: String, outcomes: [JobOutcome]) {
        self.runID = runID
        self.outcomes = outcomes
    }

    public var exitStatus: ExitStatus {
        if let stoppedBy { return stoppedBy }
        if !pendingRecovery.isEmpty || outcomes.contains(where: { $0.kind == .needsRecovery || $0.kind == .unsettled })
        {
            return .needsRecovery
        }
        if outcomes.contains(where: { [.failed, .hookFailed, .revokeFailed].contains($0.kind) }) { return .jobFailed }
        if skippedInvalidFiles { return .invalidJobFiles }
        if oneOff && outcomes.contains(where: { $0.kind == .locked }) { return .lockHeld }
        return .ok
    }

    public func count(_ kind: JobOutcome.Kind) -> Int { outcomes.count { $0.kind == kind } }
}
