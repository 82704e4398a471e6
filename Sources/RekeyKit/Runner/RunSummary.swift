// The end of a run: the table operators read in cron mail, and the exit code.

import Foundation

public struct RunSummary: Sendable {
    public var runID: String
    public var outcomes: [JobOutcome]
    /// Jobs not run this time that still need recovery from earlier runs.
    public var pendingRecovery: [String] = []
    /// SIGTERM/SIGINT arrived: the signal's exit code.
    public var stoppedBy: ExitStatus?
    public var seconds: Double = 0
    /// A one-off run (`--job`): a held job lock is then exit 75; a scheduled run skips it.
    public var oneOff = false

    public init(runID: String, outcomes: [JobOutcome]) {
        self.runID = runID
        self.outcomes = outcomes
    }

    public var exitStatus: ExitStatus {
        if let stoppedBy { return stoppedBy }
        if !pendingRecovery.isEmpty || outcomes.contains(where: { $0.kind == .needsRecovery }) {
            return .needsRecovery
        }
        if outcomes.contains(where: { $0.kind == .failed || $0.kind == .hookFailed }) { return .jobFailed }
        if oneOff && outcomes.contains(where: { $0.kind == .locked }) { return .lockHeld }
        return .ok
    }

    public func count(_ kind: JobOutcome.Kind) -> Int { outcomes.count { $0.kind == kind } }

    /// The summary table; with `problemsOnly`, nothing at all when all went well.
    public func render(problemsOnly: Bool = false) -> String {
        let shown = problemsOnly ? outcomes.filter(\.isProblem) : outcomes
        var lines: [String] = []
        if !shown.isEmpty {
            var table = TextTable(header: ["JOB", "TENANT", "ENV", "OUTCOME", "ATTEMPTS", "DURATION", "DETAIL"])
            for outcome in shown {
                table.append([
                    outcome.job, outcome.tenant, outcome.env, outcome.kind.rawValue, String(outcome.attempts),
                    String(format: "%.1fs", outcome.seconds), outcome.message ?? "",
                ])
            }
            lines.append(table.render())
        }
        for job in pendingRecovery {
            lines.append("job '\(job)' still needs recovery: run `rekey adopt --job \(job)` (see `rekey audit report`)")
        }
        if let stoppedBy {
            let notStarted = outcomes.filter { $0.kind == .notStarted }.map(\.job)
            lines.append(
                "stopped by \(stoppedBy == .interrupted ? "SIGINT" : "SIGTERM") after finishing in-flight work"
                    + (notStarted.isEmpty ? "" : "; not started: \(notStarted.joined(separator: ", "))"))
        }
        if !problemsOnly || exitStatus != .ok {
            let parts = [
                JobOutcome.Kind.rotated, .recovered, .hooksRerun, .planned, .failed, .needsRecovery, .hookFailed,
                .locked, .notStarted,
            ]
            .compactMap { kind in count(kind) > 0 ? "\(count(kind)) \(kind.rawValue)" : nil }
            lines.append(
                "run \(runID): " + (parts.isEmpty ? "nothing due" : parts.joined(separator: ", "))
                    + String(format: " in %.1fs", seconds) + " (exit \(exitStatus.rawValue))")
        }
        return lines.joined(separator: "\n")
    }
}
