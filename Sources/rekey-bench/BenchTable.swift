// Issue 13's table as `rekey-bench` prints it: one row per row of the issue (a row the
// issue measures two ways, such as with and without verify, prints as two lines), each
// with the figure, its target, a baseline the bench ran itself in the same run, the ratio
// of figure to baseline, and whether the target is met.

import Foundation

/// The issue's rows, in the issue's order (the table prints in this order whatever ran first).
enum IssueRow: Int, Comparable {
    case blackoutSerial = 1
    case blackoutConcurrent, requestsPerRotation, versusPythonRotator, idleRun, plan
    case auditReport, auditVerify, auditCostPerRotation, startup, peakRSS
    /// Issue 15's "Scale" figures (`rekey-bench fleet`), after issue 13's eleven rows.
    case fleetClaim, fleetIdle, fleetScale

    static func < (left: IssueRow, right: IssueRow) -> Bool { left.rawValue < right.rawValue }
}

struct BenchRow {
    var row: IssueRow
    var measure: String
    var figure: String
    var target: String
    var baseline: String = "–"
    var ratio: String = "–"
    /// nil when the row could not be measured (the figure says why).
    var met: Bool?

    static func ratio(_ figure: Double, _ baseline: Double) -> String {
        figure.isFinite && baseline.isFinite && baseline > 0 ? String(format: "%.2f×", figure / baseline) : "–"
    }
}

enum BenchTable {
    static func render(_ rows: [BenchRow]) -> String {
        var lines = [
            "| # | measure | figure | target | baseline (same run) | ratio | met |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows.enumerated().sorted(by: { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }) {
            let cells = [
                "\(row.element.row.rawValue)", row.element.measure, row.element.figure, row.element.target,
                row.element.baseline, row.element.ratio,
                row.element.met.map { $0 ? "met" : "**not met**" } ?? "–",
            ]
            lines.append(
                "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Formats seconds as the table shows them.
func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
func seconds(_ seconds: Double) -> String { String(format: "%.3f s", seconds) }
func megabytes(_ value: Double) -> String { String(format: "%.1f MB", value) }
