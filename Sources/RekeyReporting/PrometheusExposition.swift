// Rotation health in Prometheus text format, for node_exporter's textfile collector
// (`rekey run --metrics-file`) or a scrape of `rekey audit report --format prometheus`.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule

public enum PrometheusExposition {
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// `rotation_job`, not `job`: Prometheus sets `job` itself on every scrape (node_exporter's
    /// textfile collector included), which would rename ours to `exported_job`.
    static func labels(_ row: AuditReportRow, extra: [(String, String)] = []) -> String {
        let pairs =
            [("rotation_job", row.job), ("tenant", row.tenant), ("env", row.env), ("provider", row.provider)] + extra
        return "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Job gauges from report rows, plus the run's figures when given. A family with no
    /// sample is left out whole (no HELP or TYPE line without a sample).
    /// `headCount`: the audit chain's length, as `headCount(_:)` read it.
    public static func render(rows: [AuditReportRow], run: RunEnd?, now: Date, headCount: Int64? = nil) -> String {
        var out: [String] = []
        func family(_ name: String, _ help: String, _ samples: [(String, Double)]) {
            guard !samples.isEmpty else { return }
            out.append("# HELP \(name) \(help)")
            out.append("# TYPE \(name) gauge")
            for (labels, value) in samples { out.append("\(name)\(labels) \(number(value))") }
        }
        family(
            "rekey_job_last_success_timestamp_seconds", "Unix time of the job's last successful rotation (0: never).",
            rows.map { (labels($0), $0.lastSuccess?.timeIntervalSince1970.rounded() ?? 0) })
        family(
            "rekey_job_last_attempt_timestamp_seconds", "Unix time of the job's last rotation attempt (0: never).",
            rows.map { (labels($0), $0.lastAttempt?.timeIntervalSince1970.rounded() ?? 0) })
        family(
            "rekey_job_consecutive_failures", "Failures since the job's last success.",
            rows.map { (labels($0), Double($0.consecutiveFailures)) })
        family(
            "rekey_job_seconds_until_due", "Seconds until the job is due (negative: overdue by that much; 0: due now).",
            rows.compactMap { row in row.nextDue.map { (labels(row), $0.timeIntervalSince(now).rounded()) } })
        family(
            "rekey_credential_expiry_timestamp_seconds",
            "Unix time the job's current credential expires (only jobs whose expiry is known).",
            rows.compactMap { row in row.expiry.map { (labels(row), $0.timeIntervalSince1970.rounded()) } })
        family(
            "rekey_job_state",
            "1 for the job's current state (ok, due, overdue, failing, hook-failed, needs-recovery, unsettled).",
            rows.flatMap { row in
                JobState.allCases.map { (labels(row, extra: [("state", $0.rawValue)]), $0 == row.state ? 1.0 : 0.0) }
            })
        if let headCount {
            family(
                "rekey_audit_head_count",
                "Events in the audit chain (its head's position). It only grows: alert when it goes down (the log was truncated or restored from an older backup), the witness beside each host's own kept head.",
                [("", Double(headCount))])
        }
        if let run {
            family(
                "rekey_run_exit_code",
                "Exit code of the last run (0 ok, 1 failed, 2 needs recovery, 65 invalid job files, 66 no jobs, 75 lock held, 129/130/143 stopped).",
                [("", Double(run.exitCode))])
            family(
                "rekey_run_timestamp_seconds", "Unix time the last run finished.",
                [("", now.timeIntervalSince1970.rounded())])
            if let summary = run.summary {
                family("rekey_run_duration_seconds", "Wall time of the last run's rotations.", [("", summary.seconds)])
            }
            let kinds: [JobOutcome.Kind] = [
                .rotated, .delivered, .recovered, .hooksRerun, .revoked, .failed, .needsRecovery, .unsettled,
                .hookFailed,
                .revokeFailed, .locked, .notStarted,
            ]
            family(
                "rekey_run_outcomes", "Jobs of the last run by outcome (all 0 when it ended before rotating).",
                kinds.map { ("{outcome=\"\($0.rawValue)\"}", Double(run.summary?.count($0) ?? 0)) })
        }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    /// The audit chain's length: its newest event's position (0 for an empty log).
    public static func headCount(_ store: any AuditLogReader) async throws -> Int64 {
        try await store.events(AuditEventFilter(limit: 1)).last?.sequence ?? 0
    }

    /// Writes the metrics file atomically (temp file, fsync, rename), 0644 so the collector can read it.
    public static func write(_ text: String, to path: String) throws {
        _ = try DurableFileWriter().replaceContents(
            of: path, with: Array(text.utf8), newFile: NewFileAttributes(mode: 0o644))
    }
}
