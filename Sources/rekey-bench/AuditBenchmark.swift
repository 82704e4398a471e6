// `rekey-bench audit`: a log of 1,000,000 events over 10,000 jobs; the time of
// `audit report` and `audit verify` on it (verify beside the `sqlite3` shell reading every
// row of the same file), the audit cost of one rotation (its ~7 appends with
// synchronous=FULL), and this disk's fsync latency beside it. Each row prints its target
// (issue 13).

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyJobFiles
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule
import RekeyTestSupport

enum AuditBenchmark {
    static func run(arguments: [String]) async throws {
        let events = Int(RotationBenchmark.option(arguments, "--events", "1000000")) ?? 1_000_000
        let jobs = Int(RotationBenchmark.option(arguments, "--jobs", "10000")) ?? 10_000
        // `--keep DIR` keeps the filled log in DIR and reuses it on the next run (a profile of
        // one measure need not wait for the fill again).
        let kept = RotationBenchmark.option(arguments, "--keep", "")
        let dir =
            try kept.isEmpty ? TemporaryDirectory(prefix: "rekey-bench-audit") : TemporaryDirectory(existing: kept)
        defer { if kept.isEmpty { dir.remove() } }
        let reuse = !kept.isEmpty && FileManager.default.fileExists(atPath: dir.file("audit.sqlite"))
        let key = try AuditKey.loadOrCreate(path: dir.file("audit.key"))
        let store = try SQLiteAuditLog(
            path: dir.file("audit.sqlite"), key: key, headPath: dir.file("audit.head"),
            projection: JobHistoryProjection())
        let steps: [AuditStep] = [.intent, .attempt, .issued, .sinkWritten, .verified, .done]
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let fillStarted = ContinuousClock.now
        var batch: [AuditEvent] = []
        for index in 0..<(reuse ? 0 : events) {
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
        let fill = (ContinuousClock.now - fillStarted).seconds

        let jobList = (0..<jobs).map { index in
            let here = SourceLocation(file: "bench", line: 1, column: 1)
            return Job(
                name: "job-\(index)", tenant: "t\(index % 100)", env: "prod",
                provider: .questionPro(
                    QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "\(index)")),
                credentials: ["api_key": .env("K")], policy: Policy(every: .days(30)),
                sinks: [SinkSpec(id: "a", kind: .file, path: "/srv/\(index)", location: here)], location: here)
        }
        // `--measure report,verify,rotation` (the default: all three) picks what to time.
        let measures = Set(
            RotationBenchmark.option(arguments, "--measure", "report,verify,rotation").split(separator: ","))
        var reportTime = Double.nan
        var reportRows = 0
        if measures.contains("report") {
            let reportStarted = ContinuousClock.now
            let reader = try SQLiteAuditReader(path: dir.file("audit.sqlite"))
            let report = try await AuditReport.build(
                jobs: jobList, store: reader, filter: AuditReportFilter(), now: start + Double(events))
            _ = try report.render(.table)
            reportTime = (ContinuousClock.now - reportStarted).seconds
            reportRows = report.rows.count
        }

        // Verify, best of three, beside the sqlite3 shell over the same file (best of three too):
        // reading every row, and reading every column the chain covers.
        var verifyTimes: [Double] = []
        var verdict = VerifyResult.ok(count: 0)
        for _ in 0..<(measures.contains("verify") ? 3 : 0) {
            let verifyStarted = ContinuousClock.now
            verdict = try AuditVerifier.verify(
                databasePath: dir.file("audit.sqlite"), key: key, headPath: dir.file("audit.head"))
            verifyTimes.append((ContinuousClock.now - verifyStarted).seconds)
        }
        let verifyTime = verifyTimes.min() ?? .nan
        let rowsQuery = "SELECT count(*), sum(length(hash)) FROM events"
        let baselineRuns = measures.contains("verify") ? 3 : 0
        let rowsTime = try SQLiteCLIBaseline.times(
            database: dir.file("audit.sqlite"), sql: rowsQuery, runs: baselineRuns)?.min()
        let columnsTime = try SQLiteCLIBaseline.times(
            database: dir.file("audit.sqlite"), sql: SQLiteCLIBaseline.everyColumnQuery, runs: baselineRuns
        )?.min()

        // One rotation's rows as a rotation commits them: `intent` alone (write-ahead), the
        // successful attempt with `issued`, then the sink, hook, verify and `done` rows in one
        // transaction; the median of 51 (`--rotations N`) rotations of one job.
        var rotationTimes: [Double] = []
        let rotations = Int(RotationBenchmark.option(arguments, "--rotations", "51")) ?? 51
        for round in 0..<(measures.contains("rotation") ? rotations : 0) {
            let rotationStarted = ContinuousClock.now
            let row = { (step: AuditStep) in
                var event = AuditEvent(time: Date(), runID: "bench-\(round)", step: step, job: "job-0")
                if step == .issued || step == .done { event.newFingerprint = String(format: "%016x", round) }
                return event
            }
            try await store.append(row(.intent))
            try await store.append(contentsOf: [row(.attempt), row(.issued)])
            try await store.append(contentsOf: [row(.sinkWritten), row(.hook), row(.verified), row(.done)])
            rotationTimes.append((ContinuousClock.now - rotationStarted).seconds)
        }
        let perRotation = rotationTimes.isEmpty ? .nan : rotationTimes.sorted()[rotationTimes.count / 2]

        let fsyncPath = dir.file("fsync-probe")
        let fd = open(fsyncPath, O_WRONLY | O_CREAT, 0o600)
        let fsyncStarted = ContinuousClock.now
        for index in 0..<100 {
            var byte = UInt8(index & 0xff)
            _ = write(fd, &byte, 1)
            _ = fsync(fd)
        }
        let fsyncLatency = (ContinuousClock.now - fsyncStarted).seconds / 100
        close(fd)

        print("rekey-bench audit: \(events) events over \(jobs) jobs (filled in \(String(format: "%.1f", fill)) s)")
        let verifyTarget = 400_000.0
        let eventsPerSecond = Double(events) / verifyTime
        print("| measure | figure | target | baseline | ratio |")
        print("| --- | --- | --- | --- | --- |")
        print(String(format: "| audit report (%d rows) | %.3f s | ≤ 0.25 s | | |", reportRows, reportTime))
        let shell = SQLiteCLIBaseline.shell == nil ? "no `sqlite3` shell" : "the `sqlite3` shell failed"
        print(
            String(
                format: "| audit verify (%@), best of 3 | %.3f s, %.0f events/s "
                    + "| ≥ %.0f events/s (≤ %.3f s) | `sqlite3` shell reading every row, `%@`: %@ | %@ |",
                verdict.description, verifyTime, eventsPerSecond, verifyTarget, Double(events) / verifyTarget,
                rowsQuery, rowsTime.map { String(format: "%.3f s", $0) } ?? shell,
                rowsTime.map { String(format: "%.1f×", verifyTime / $0) } ?? "–"))
        print(
            String(
                format: "| audit verify, beside reading every column it hashes | | "
                    + "| `sqlite3` shell, `SELECT count(*), total(length(run)) + … FROM events`: %@ | %@ |",
                columnsTime.map { String(format: "%.3f s", $0) } ?? shell,
                columnsTime.map { String(format: "%.1f×", verifyTime / $0) } ?? "–"))
        print(
            String(
                format:
                    "| audit cost of one rotation (7 rows in 3 commits, synchronous=FULL), median of %d | %.2f ms | ≤ 2 ms | | |",
                rotations, perRotation * 1000))
        print(String(format: "| fsync latency of this disk | %.3f ms | | | |", fsyncLatency * 1000))
    }
}
