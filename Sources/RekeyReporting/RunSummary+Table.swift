// The run summary as operators read it in cron mail: a table of outcomes, what still
// needs recovery, and one closing line with the exit code.

import Foundation
import RekeyModel
import RekeyRunner

extension RunSummary {
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
            lines.append("job '\(job)' still needs recovery: \(NextStep.adopt(job: job)) (see `rekey audit report`)")
        }
        for waiting in backingOff {
            lines.append(
                "job '\(waiting.job)' is failing (\(waiting.failures) failure\(waiting.failures == 1 ? "" : "s")): next retry \(Timestamps.iso8601(waiting.retryAt)); to retry now: rekey run --job \(waiting.job)"
            )
        }
        if let stoppedBy {
            let notStarted = outcomes.filter { $0.kind == .notStarted }.map(\.job)
            lines.append(
                "stopped by \(stoppedBy.signalName ?? "a signal") after finishing in-flight work"
                    + (notStarted.isEmpty ? "" : "; not started: \(notStarted.joined(separator: ", "))"))
        }
        if !problemsOnly || exitStatus != .ok {
            let parts = [
                JobOutcome.Kind.rotated, .delivered, .recovered, .hooksRerun, .revoked, .planned, .checked, .failed,
                .needsRecovery, .unsettled, .hookFailed, .revokeFailed, .locked, .notStarted,
            ]
            .compactMap { kind in count(kind) > 0 ? "\(count(kind)) \(kind.rawValue)" : nil }
            lines.append(
                "run \(runID): " + (parts.isEmpty ? "nothing due" : parts.joined(separator: ", "))
                    + String(format: " in %.1fs", seconds) + " (exit \(exitStatus.rawValue))")
        }
        return lines.joined(separator: "\n")
    }
}
