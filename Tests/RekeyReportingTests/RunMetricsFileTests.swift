import Foundation
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeyTestSupport
import Testing

/// `rekey run --metrics-file` on every exit: what the file holds depends on how far the run got.
@Suite struct RunMetricsFileTests {
    static let now = AuditReportTests.now

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func anExitBeforeTheJobsWereLoadedWritesTheRunsExitCodeAndTimeOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let metrics = RunMetricsFile(path: dir.file("rekey.prom"))
        #expect(await metrics.write(exitCode: ExitStatus.noJobs.rawValue, now: Self.now) == [])
        let text = try Self.read(dir.file("rekey.prom"))
        #expect(PrometheusExpositionTests.validate(text) == [])
        #expect(text.contains("rekey_run_exit_code 66\n"))
        #expect(text.contains("rekey_run_timestamp_seconds 1800000000\n"))
        #expect(text.contains(#"rekey_run_outcomes{outcome="rotated"} 0"#))
        #expect(!text.contains("rekey_job_"))
        #expect(!text.contains("rekey_run_duration_seconds"))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("rekey.prom"))[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["rekey.prom"])
    }

    @Test func anExitAfterTheJobsWereLoadedAddsEachJobFromTheLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let metrics = RunMetricsFile(path: dir.file("rekey.prom"))
        // No audit log yet: every job is "never rotated", which is what the log says.
        metrics.jobsLoaded([AuditReportTests.job("a")], databasePath: dir.file("state/audit.sqlite"))
        #expect(await metrics.write(exitCode: ExitStatus.lockHeld.rawValue, now: Self.now) == [])
        let text = try Self.read(dir.file("rekey.prom"))
        #expect(PrometheusExpositionTests.validate(text) == [])
        #expect(text.contains("rekey_run_exit_code 75\n"))
        #expect(
            text.contains(
                #"rekey_job_state{rotation_job="a",tenant="acme",env="prod",provider="questionpro.api-key",state="due"} 1"#
            ))
        #expect(text.contains(#"rekey_job_last_success_timestamp_seconds{rotation_job="a""#))
        // An empty log's chain has no events: the witness of truncation starts at 0.
        #expect(text.contains("# TYPE rekey_audit_head_count gauge\nrekey_audit_head_count 0\n"))
    }

    @Test func anUnreadableAuditLogLeavesOutTheJobsAndStillWritesTheRun() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("state/audit.sqlite", String(repeating: "not a database ", count: 100))
        let metrics = RunMetricsFile(path: dir.file("rekey.prom"))
        metrics.jobsLoaded([AuditReportTests.job("a")], databasePath: dir.file("state/audit.sqlite"))
        let problems = await metrics.write(exitCode: ExitStatus.jobFailed.rawValue, now: Self.now)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("cannot read the audit log") == true, "\(problems)")
        let text = try Self.read(dir.file("rekey.prom"))
        #expect(PrometheusExpositionTests.validate(text) == [])
        #expect(text.contains("rekey_run_exit_code 1\n"))
        #expect(!text.contains("rekey_job_"))
    }

    @Test func aFinishedRunAddsItsDurationAndOutcomes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let metrics = RunMetricsFile(path: dir.file("rekey.prom"))
        metrics.jobsLoaded([AuditReportTests.job("a")], databasePath: dir.file("state/audit.sqlite"))
        var summary = RunSummary(
            runID: "r", outcomes: [JobOutcome(job: "a", tenant: "acme", env: "prod", kind: .needsRecovery)])
        summary.seconds = 2.5
        metrics.runFinished(summary)
        #expect(await metrics.write(exitCode: summary.exitStatus.rawValue, now: Self.now) == [])
        let text = try Self.read(dir.file("rekey.prom"))
        #expect(PrometheusExpositionTests.validate(text) == [])
        #expect(text.contains("rekey_run_exit_code 2\n"))
        #expect(text.contains("rekey_run_duration_seconds 2.5\n"))
        #expect(text.contains(#"rekey_run_outcomes{outcome="needs-recovery"} 1"#))
    }

    /// A stop's forced exit and the normal end may both try: the first one wins.
    @Test func onlyTheFirstWriteCounts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let metrics = RunMetricsFile(path: dir.file("rekey.prom"))
        await metrics.write(exitCode: ExitStatus.terminated.rawValue, now: Self.now)
        await metrics.write(exitCode: ExitStatus.ok.rawValue, now: Self.now)
        #expect(try Self.read(dir.file("rekey.prom")).contains("rekey_run_exit_code 143\n"))
    }

    @Test func aFileThatCannotBeWrittenIsAProblemNotAnError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let metrics = RunMetricsFile(path: dir.file("missing/rekey.prom"))
        let problems = await metrics.write(exitCode: 0, now: Self.now)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("could not write metrics to \(dir.file("missing/rekey.prom"))") == true)
    }
}
