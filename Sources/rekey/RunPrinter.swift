// How `rekey run` reports: progress lines on a terminal, the summary table, or JSON lines.

import Foundation
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
                if let line = try? RunPrinter.json(JobLine(outcome: outcome)) { Console.out(line) }
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
            struct Line: Encodable {
                var event = "summary"
                var run: String
                var exit: Int32
                var seconds: Double
                var outcomes: [JobOutcome]
                var pendingRecovery: [String]
            }
            let line = Line(
                run: summary.runID, exit: summary.exitStatus.rawValue, seconds: summary.seconds,
                outcomes: summary.outcomes, pendingRecovery: summary.pendingRecovery)
            if let text = try? RunPrinter.json(line) { Console.out(text) }
        case .text:
            let text = summary.render(problemsOnly: quiet)
            if !text.isEmpty {
                if summary.exitStatus == .ok { Console.out(text) } else { Console.error(text) }
            }
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// One JSON line per finished job: `{"event":"job","outcome":{...}}`.
private struct JobLine: Encodable {
    var event = "job"
    var outcome: JobOutcome
}
