// How `rekey run` reports: progress lines on a terminal, the summary table, or JSON lines.

import Foundation
import RekeyReporting
import RekeyRunner

struct RunPrinter: Sendable {
    let format: LogFormat
    let quiet: Bool

    var progress: @Sendable (JobOutcome) -> Void {
        let format = format
        let quiet = quiet
        let terminal = isatty(STDERR_FILENO) != 0
        return { outcome in
            switch format {
            case .json:
                if let line = try? RunJSONLines.job(outcome, at: Date()) { Console.out(line) }
            case .text:
                if terminal && !quiet {
                    Console.error(
                        "  \(outcome.job): \(outcome.kind.rawValue)" + (outcome.message.map { " — \($0)" } ?? ""))
                }
            }
        }
    }

    func summary(_ summary: RunSummary) {
        switch format {
        case .json:
            if let line = try? RunJSONLines.summary(summary, at: Date()) { Console.out(line) }
        case .text:
            let text = summary.render(problemsOnly: quiet)
            if !text.isEmpty {
                if summary.exitStatus == .ok { Console.out(text) } else { Console.error(text) }
            }
        }
    }
}
