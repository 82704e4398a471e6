// `rekey run --metrics-file`: the Prometheus file a run leaves for node_exporter's textfile
// collector, on every exit — after a full run, and also when the run ends before rotating
// anything (invalid job files 65, no jobs 66, the run lock held 75, a usage error found
// after parsing 64, an unreadable state directory 1, a stop 129/130/143), so an alert on
// `rekey_run_exit_code` or on a stale `rekey_run_timestamp_seconds` sees every run.
//
// What it holds depends on how far the run got: the run's exit code and time always; its
// outcomes (all 0 before any rotation) and duration once it rotated; per-job figures only
// when the job files were loaded and the audit log could be read. A dry run writes none.

import Foundation
import RekeyAudit
import RekeyModel
import RekeyRunner
import Synchronization

/// How a run ended, for its metrics.
public struct RunEnd: Sendable {
    /// The process's exit code.
    public var exitCode: Int32
    /// The run's summary; nil when it ended before rotating.
    public var summary: RunSummary?

    public init(exitCode: Int32, summary: RunSummary? = nil) {
        self.exitCode = exitCode
        self.summary = summary
    }
}

public final class RunMetricsFile: Sendable {
    public let path: String
    private let state = Mutex(State())

    private struct State {
        var jobs: [Job]?
        var databasePath: String?
        var summary: RunSummary?
        var written = false
    }

    public init(path: String) {
        self.path = path
    }

    /// The job files were loaded: per-job figures from the audit log at `databasePath`.
    public func jobsLoaded(_ jobs: [Job], databasePath: String) {
        state.withLock { ($0.jobs, $0.databasePath) = (jobs, databasePath) }
    }

    /// The run rotated and summed up.
    public func runFinished(_ summary: RunSummary) {
        state.withLock { $0.summary = summary }
    }

    /// The file's text for a run that ends now with `exitCode`, and any problem reading the
    /// audit log (then the per-job figures are left out, the run's are still there).
    public func render(exitCode: Int32, now: Date) async -> (text: String, problem: String?) {
        let (jobs, databasePath, summary) = state.withLock { ($0.jobs, $0.databasePath, $0.summary) }
        var rows: [AuditReportRow] = []
        var headCount: Int64?
        var problem: String?
        if let jobs, let databasePath {
            do {
                (rows, headCount) = try await AuditStore.withReader(database: databasePath) { store in
                    (
                        try await AuditReport.build(jobs: jobs, store: store, filter: AuditReportFilter(), now: now)
                            .rows,
                        try await PrometheusExposition.headCount(store)
                    )
                }
            } catch {
                problem = "per-job metrics left out: cannot read the audit log \(databasePath) (\(error))"
            }
        }
        let end = RunEnd(exitCode: exitCode, summary: summary)
        return (PrometheusExposition.render(rows: rows, run: end, now: now, headCount: headCount), problem)
    }

    /// Replaces the file (atomically, 0644 when new) for a run that ends now with
    /// `exitCode`. Only the first call writes: a stop's forced exit and the normal end
    /// cannot both. Returns what went wrong, for a warning; never throws, since metrics
    /// must not change how the run ends.
    @discardableResult
    public func write(exitCode: Int32, now: Date = Date()) async -> [String] {
        let first = state.withLock { state in
            defer { state.written = true }
            return !state.written
        }
        guard first else { return [] }
        let (text, problem) = await render(exitCode: exitCode, now: now)
        var problems = problem.map { [$0] } ?? []
        do {
            try PrometheusExposition.write(text, to: path)
        } catch {
            problems.append("could not write metrics to \(path): \(error)")
        }
        return problems
    }
}
