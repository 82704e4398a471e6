// `rekey-bench audit` (issue 13, rows 7–9): a log of 1,000,000 events over 10,000 jobs,
// filled through the library, in a state directory beside 10,000 job files of the same
// names; then `rekey audit report` and `rekey audit verify` on it as separate processes
// (median of several runs) beside the `sqlite3` shell over the same file (the report's
// `GROUP BY`; every column verify reads), and the audit cost of one rotation (its rows
// committed as a rotation commits them) beside this disk's fsync latency.
// `--keep DIR` keeps the filled log (DIR/state) and its job files (DIR/jobs) and reuses
// them next time.

import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule
import RekeyTestSupport

enum AuditBenchmark {
    static func run(_ options: BenchOptions) async throws -> [BenchRow] {
        let events = options.size("--events", full: 1_000_000, quick: 100_000)
        let jobs = options.size("--jobs", full: 10_000, quick: 1_000)
        let runs = options.size("--runs", full: 5, quick: 2)
        let dir =
            try options.keep.map { try TemporaryDirectory(existing: $0) }
            ?? TemporaryDirectory(prefix: "rekey-bench-audit")
        defer { if options.keep == nil { dir.remove() } }
        let state = dir.file("state")
        let database = state + "/audit.sqlite"
        let reuse = FileManager.default.fileExists(atPath: database)
        if !FileManager.default.fileExists(atPath: dir.file("jobs/job-\(jobs - 1).yaml")) {
            try IdleBenchmark.writeJobFiles(count: jobs, in: dir.path)
        }
        let key = try AuditKey.loadOrCreate(path: state + "/audit.key")
        let store = try SQLiteAuditLog(
            path: database, key: key, headPath: state + "/audit.head", projection: JobHistoryProjection())
        if reuse {
            progress("audit: reusing the log in \(state)")
        } else {
            progress("audit: filling \(events) events over \(jobs) jobs")
            let fill = try await fillLog(store, events: events, jobs: jobs)
            progress(String(format: "  filled in %.1f s", fill))
        }

        let binary = options.binary.path
        let selection = ["--jobs", dir.file("jobs"), "--state-dir", state]
        // Cold: no job-file cache, every file parsed. Then warm, as every host's cron `run`
        // leaves it (the jobs are not due: the log's rows lie ahead of today, so the run
        // rotates nothing and appends only its run-started and run-finished rows).
        try? FileManager.default.removeItem(atPath: state + "/jobfiles.cache")
        let coldReport = try MeasuredCommand.run(binary, ["audit", "report"] + selection).seconds
        _ = try MeasuredCommand.run(binary, ["run", "--quiet"] + selection)
        let report = try MeasuredCommand.runs(runs, binary, ["audit", "report"] + selection).map(\.seconds).median
        let groupBy = try SQLiteCLIBaseline.times(database: database, sql: SQLiteCLIBaseline.groupByQuery, runs: runs)?
            .median
        let verifyRuns = options.size("--verify-runs", full: 3, quick: 1)
        let verifyOutput = dir.file("verify.out")
        var verifyTimes: [Double] = []
        for _ in 0..<verifyRuns {
            verifyTimes.append(
                try MeasuredCommand.run(binary, ["audit", "verify"] + selection, stdout: verifyOutput).seconds)
        }
        let verify = verifyTimes.median
        let verified = try String(contentsOfFile: verifyOutput, encoding: .utf8)
        let verifiedEvents = verified.split(separator: "\n").first.flatMap { line in
            line.hasPrefix("OK: ") ? Int(line.dropFirst(4).prefix { $0.isNumber }) : nil
        }
        let everyColumn = try SQLiteCLIBaseline.times(
            database: database, sql: SQLiteCLIBaseline.everyColumnQuery, runs: verifyRuns)?.median
        progress(String(format: "  report %.3f s (cold %.3f s), verify %.3f s", report, coldReport, verify))

        let rotations = options.size("--rotations-audited", full: 51, quick: 11)
        let perRotation = try await rotationCost(store, rounds: rotations)
        let fsyncLatency = measureFsync(in: dir.file("fsync-probe"))

        let noShell = "no `sqlite3` shell"
        let eventsPerSecond = Double(verifiedEvents ?? 0) / verify
        return [
            BenchRow(
                row: .auditReport,
                measure:
                    "`rekey audit report`, \(verifiedEvents ?? events) events / \(jobs) jobs, median of \(runs); the job-file cache warm, as `rekey run` leaves it (cold, every file parsed: \(seconds(coldReport)))",
                figure: seconds(report), target: "≤ 0.25 s",
                baseline: groupBy.map { "`sqlite3` shell, `\(SQLiteCLIBaseline.groupByQuery)`: " + seconds($0) }
                    ?? noShell,
                ratio: BenchRow.ratio(report, groupBy ?? .nan), met: report <= 0.25),
            BenchRow(
                row: .auditVerify,
                measure: "`rekey audit verify`, the same log, median of \(verifyRuns)",
                figure: String(format: "%.3f s, %.0f events/s", verify, eventsPerSecond),
                target: "≥ 400,000 events/s",
                baseline: everyColumn.map { "`sqlite3` shell reading every column the chain covers: " + seconds($0) }
                    ?? noShell,
                ratio: BenchRow.ratio(verify, everyColumn ?? .nan),
                met: verifiedEvents == nil ? nil : eventsPerSecond >= 400_000),
            BenchRow(
                row: .auditCostPerRotation,
                measure:
                    "audit cost of one rotation (its 7 rows in 3 commits, as a rotation commits them), median of \(rotations)",
                figure: String(format: "%.2f ms", perRotation * 1000), target: "≤ 2 ms",
                baseline: String(format: "one fsync on this disk: %.3f ms", fsyncLatency * 1000),
                ratio: BenchRow.ratio(perRotation, fsyncLatency), met: perRotation <= 0.002),
        ]
    }

    /// Appends `events` events over `jobs` jobs in bulk transactions; returns the seconds it took.
    static func fillLog(_ store: SQLiteAuditLog, events: Int, jobs: Int) async throws -> Double {
        let steps: [AuditStep] = [.intent, .attempt, .issued, .sinkWritten, .verified, .done]
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let started = ContinuousClock.now
        var batch: [AuditEvent] = []
        for index in 0..<events {
            let job = index % jobs
            var event = AuditEvent(
                time: start + Double(index), runID: "run-\(index / (jobs * steps.count))",
                step: steps[(index / jobs) % steps.count],
                job: "job-\(job)", tenant: "t\(job % 100)", env: "prod", provider: "questionpro.api-key",
                message: "benchmark event")
            if event.step == .issued || event.step == .done { event.newFingerprint = String(format: "%016x", index) }
            batch.append(event)
            if batch.count == 20_000 {
                try await store.append(contentsOf: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await store.append(contentsOf: batch) }
        return (ContinuousClock.now - started).seconds
    }

    /// One rotation's rows as a rotation commits them: `intent` alone (write-ahead), the
    /// successful attempt with `issued`, then the sink, hook, verify and `done` rows in one
    /// transaction; the median seconds of `rounds` rotations of one job.
    static func rotationCost(_ store: SQLiteAuditLog, rounds: Int) async throws -> Double {
        var times: [Double] = []
        for round in 0..<rounds {
            let started = ContinuousClock.now
            let row = { (step: AuditStep) in
                var event = AuditEvent(time: Date(), runID: "bench-\(round)", step: step, job: "job-0")
                if step == .issued || step == .done { event.newFingerprint = String(format: "%016x", round) }
                return event
            }
            try await store.append(row(.intent))
            try await store.append(contentsOf: [row(.attempt), row(.issued)])
            try await store.append(contentsOf: [row(.sinkWritten), row(.hook), row(.verified), row(.done)])
            times.append((ContinuousClock.now - started).seconds)
        }
        return times.median
    }

    /// Seconds of one one-byte write and fsync on this disk, the mean of 100.
    static func measureFsync(in path: String) -> Double {
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        defer {
            close(fd)
            unlink(path)
        }
        let started = ContinuousClock.now
        for index in 0..<100 {
            var byte = UInt8(index & 0xff)
            _ = write(fd, &byte, 1)
            _ = fsync(fd)
        }
        return (ContinuousClock.now - started).seconds / 100
    }
}
