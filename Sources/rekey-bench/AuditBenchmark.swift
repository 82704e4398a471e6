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
        let dir = try TemporaryDirectory(prefix: "rekey-bench-audit")
        defer { dir.remove() }
        let key = try AuditKey.loadOrCreate(path: dir.file("audit.key"))
        let store = try SQLiteAuditLog(path: dir.file("audit.sqlite"), key: key, headPath: dir.file("audit.head"))
        let steps: [AuditStep] = [.intent, .attempt, .issued, .sinkWritten, .verified, .done]
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let fillStarted = ContinuousClock.now
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
        let reportStarted = ContinuousClock.now
        let reader = try SQLiteAuditReader(path: dir.file("audit.sqlite"))
        let report = try await AuditReport.build(
            jobs: jobList, store: reader, filter: AuditReportFilter(), now: start + Double(events))
        let text = try report.render(.table)
        let reportTime = (ContinuousClock.now - reportStarted).seconds

        // Verify, best of three, beside the sqlite3 shell over the same file (best of three too):
        // reading every row, and reading every column the chain covers.
        var verifyTimes: [Double] = []
        var verdict = VerifyResult.ok(count: 0)
        for _ in 0..<3 {
            let verifyStarted = ContinuousClock.now
            verdict = try AuditVerifier.verify(
                databasePath: dir.file("audit.sqlite"), key: key, headPath: dir.file("audit.head"))
            verifyTimes.append((ContinuousClock.now - verifyStarted).seconds)
        }
        let verifyTime = verifyTimes.min()!
        let rowsQuery = "SELECT count(*), sum(length(hash)) FROM events"
        let rowsTime = try SQLiteCLIBaseline.times(database: dir.file("audit.sqlite"), sql: rowsQuery, runs: 3)?.min()
        let columnsTime = try SQLiteCLIBaseline.times(
            database: dir.file("audit.sqlite"), sql: SQLiteCLIBaseline.everyColumnQuery, runs: 3
        )?.min()

        // One rotation's appends, one after another (as a lone job makes them).
        let rotationStarted = ContinuousClock.now
        for step in [AuditStep.intent, .attempt, .issued, .sinkWritten, .verified, .done, .hook] {
            try await store.append(AuditEvent(time: Date(), runID: "bench", step: step, job: "job-0"))
        }
        let perRotation = (ContinuousClock.now - rotationStarted).seconds

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
        print(String(format: "| audit report (%d rows) | %.3f s | ≤ 0.25 s | | |", report.rows.count, reportTime))
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
                format: "| audit cost of one rotation (7 appends, synchronous=FULL) | %.2f ms | ≤ 2 ms | | |",
                perRotation * 1000))
        print(String(format: "| fsync latency of this disk | %.3f ms | | | |", fsyncLatency * 1000))
        _ = text
    }
}
