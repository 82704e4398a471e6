import Foundation
import GRDB
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyAudit
@testable import RekeyModel
@testable import RekeySchedule

@Suite struct SQLiteAuditLogTests {
    static func event(_ step: AuditStep, job: String = "acme-prod", at seconds: Double = 0, fingerprint: String? = nil)
        -> AuditEvent
    {
        var event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000 + seconds), runID: "run-1", step: step, job: job,
            tenant: "acme", env: "prod", provider: "questionpro.api-key", message: "\(step.rawValue) of \(job)")
        event.newFingerprint = fingerprint
        return event
    }

    struct Fixture {
        let dir: TemporaryDirectory
        let key = AuditKey(bytes: Array(repeating: 3, count: 32))
        var db: String { dir.file("audit.sqlite") }
        var head: String { dir.file("audit.head") }

        init() throws { dir = try TemporaryDirectory() }

        func store() throws -> SQLiteAuditLog { try SQLiteAuditLog(path: db, key: key, headPath: head) }

        func sqlite(_ sql: String) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            // The store `fill` used may still be closing (a WAL checkpoint holds the lock for
            // a moment): wait for it rather than fail with SQLITE_BUSY.
            process.arguments = ["-cmd", ".timeout 10000", db, sql]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }

        func verify() throws -> VerifyResult { try AuditVerifier.verify(databasePath: db, key: key, headPath: head) }

        /// `audit verify`'s verdict on the per-job state table (nil when the chain fails).
        func verifiedTable() async throws -> JobStateCheck.Result? {
            try await JobStateCheck.verify(databasePath: db, key: key, headPath: head).table
        }

        func fill(_ count: Int) async throws {
            let store = try store()
            for index in 0..<count { try await store.append(SQLiteAuditLogTests.event(.attempt, at: Double(index))) }
        }
    }

    @Test func appendsFormOneChainInPrivateFilesWithFullSync() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try f.store()
        let first = try await store.append(Self.event(.intent))
        let second = try await store.append(Self.event(.done))
        #expect(first.sequence == 1 && second.sequence == 2)
        #expect(second.prevHash == first.hash)
        for path in [f.db, f.head] {
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        }
        let pragmas = try await store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(pragmas.0 == "wal")
        #expect(pragmas.1 == 2)
        #expect(try f.verify() == .ok(count: 2))
        #expect(try f.sqlite("PRAGMA integrity_check").1.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }

    @Test func updateAndDeleteAreRefused() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(2)
        #expect(try f.sqlite("UPDATE events SET message = 'x' WHERE seq = 1").0 != 0)
        #expect(try f.sqlite("DELETE FROM events WHERE seq = 1").0 != 0)
        #expect(try f.verify() == .ok(count: 2))
    }

    @Test func twoStoresWritingAtOnceLoseNothingAndKeepOneChain() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let a = try f.store()
        let b = try f.store()
        await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { try await a.append(Self.event(.attempt, job: "a", at: Double(index))) }
                group.addTask { try await b.append(Self.event(.attempt, job: "b", at: Double(index))) }
            }
        }
        let all = try await a.events(AuditEventFilter())
        #expect(all.count == 400)
        #expect(all.map(\.sequence) == (1...400).map { Int64($0) })
        #expect(try f.verify() == .ok(count: 400))
    }

    @Test func migrationsRunFromEmptyAndFromEveryOlderVersion() async throws {
        let all = AuditSchema.migrator.migrations
        #expect(all.last == "v6-failure-index")
        for version in all.dropLast() {
            let f = try Fixture()
            defer { f.dir.remove() }
            let queue = try DatabaseQueue(path: f.db)
            try AuditSchema.migrator.migrate(queue, upTo: version)
            try await queue.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO events (seq, time, run, step, prev_hash, hash) VALUES (1, 0, 'old', 'baselined', '', 'x')"
                )
            }
            try queue.close()
            let store = try f.store()
            let applied = try await store.database.read { db in try AuditSchema.migrator.appliedIdentifiers(db) }
            #expect(Set(applied) == Set(all), "from \(version)")
            #expect(try await store.events(AuditEventFilter()).count == 1)
        }
    }

    @Test func verifyCatchesEveryKindOfTampering() async throws {
        let cases: [(String, String, String)] = [
            ("edited", "UPDATE events SET message = 'nothing happened' WHERE seq = 3", "changed"),
            ("deleted", "DELETE FROM events WHERE seq = 3", "missing"),
            (
                "inserted",
                "INSERT INTO events (seq, time, run, step, prev_hash, hash) VALUES (6, 0, 'x', 'done', 'forged', 'forged')",
                "does not follow"
            ),
            (
                "reordered",
                "UPDATE events SET message = CASE seq WHEN 2 THEN (SELECT message FROM events WHERE seq = 3) ELSE (SELECT message FROM events WHERE seq = 2) END, hash = CASE seq WHEN 2 THEN (SELECT hash FROM events WHERE seq = 3) ELSE (SELECT hash FROM events WHERE seq = 2) END, prev_hash = CASE seq WHEN 2 THEN (SELECT prev_hash FROM events WHERE seq = 3) ELSE (SELECT prev_hash FROM events WHERE seq = 2) END WHERE seq IN (2, 3)",
                "does not follow"
            ),
            ("truncated", "DELETE FROM events WHERE seq > 3", "truncated"),
        ]
        for (name, sql, expected) in cases {
            let f = try Fixture()
            defer { f.dir.remove() }
            try await f.fill(5)
            let (status, output) = try f.sqlite("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; " + sql)
            #expect(status == 0, "\(name): \(output)")
            let result = try f.verify()
            #expect(!result.isOK, "\(name) went unnoticed")
            #expect(result.description.contains(expected), "\(name): \(result)")
        }
    }

    /// Verify checks rows on two threads, in batches: a change is found at its row in the
    /// first batch, across a batch's edge and in the last one; of a changed row and a broken
    /// link the earlier is named whichever thread found it; every event of a sound log is
    /// lent on once, in chain order.
    @Test func verifyFindsTheFirstBadRowAcrossBatches() async throws {
        let rows = ChainContentCheck.batchRows * 2 + 100
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try f.store()
        try await store.append(contentsOf: (0..<rows).map { Self.event(.attempt, at: Double($0)) })
        // Verify and the sqlite3 shell block: off the cooperative pool, which the rest of
        // the run's tests share.
        let (sound, lent) = try await OffPool.run {
            let lent = Mutex<[Int64]>([])
            let sound = try AuditVerifier.verify(databasePath: f.db, key: f.key, headPath: f.head) { event in
                lent.withLock { $0.append(event.sequence ?? -1) }
            }
            return (sound, lent.withLock { $0 })
        }
        #expect(sound == .ok(count: Int64(rows)))
        #expect(lent == (1...Int64(rows)).map { $0 })

        let batch = Int64(ChainContentCheck.batchRows)
        let edited = "its content was changed after it was written"
        let unlinked = "it does not follow the previous event (inserted, deleted or reordered)"
        let cases: [(sql: String, sequence: Int64, problem: String)] = [
            ("UPDATE events SET message = 'x' WHERE seq = 7", 7, edited),
            ("UPDATE events SET message = 'x' WHERE seq IN (\(batch), \(batch + 1))", batch, edited),
            ("UPDATE events SET message = 'x' WHERE seq = \(batch + 1)", batch + 1, edited),
            ("UPDATE events SET message = 'x' WHERE seq = \(rows)", Int64(rows), edited),
            // A changed row late in the log, a broken link early: the link.
            (
                "UPDATE events SET message = 'x' WHERE seq = \(2 * batch + 5); UPDATE events SET prev_hash = 'x' WHERE seq = 20",
                20, unlinked
            ),
            // A changed row early, a broken link late: the change.
            (
                "UPDATE events SET message = 'x' WHERE seq = 30; UPDATE events SET prev_hash = 'x' WHERE seq = \(2 * batch + 5)",
                30, edited
            ),
            // Its stored hash rewritten: that row changed, and the next no longer follows it.
            ("UPDATE events SET hash = 'x' WHERE seq = \(batch + 3)", batch + 3, edited),
        ]
        for (sql, sequence, problem) in cases {
            let (status, output, verdict) = try await OffPool.run {
                let copy = try Fixture()
                defer { copy.dir.remove() }
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: f.db + suffix) {
                    try FileManager.default.copyItem(atPath: f.db + suffix, toPath: copy.db + suffix)
                }
                try FileManager.default.copyItem(atPath: f.head, toPath: copy.head)
                let (status, output) = try copy.sqlite("DROP TRIGGER events_no_update; " + sql)
                return (status, output, try copy.verify())
            }
            #expect(status == 0, "\(output)")
            #expect(verdict == .bad(sequence: sequence, problem: problem), "\(sql)")
        }
    }

    @Test func aHeadOneBehindTheDatabaseIsAcceptedAfterACrash() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(3)
        let headBefore = try String(contentsOfFile: f.head, encoding: .utf8)
        try await f.store().append(Self.event(.done))
        try headBefore.write(toFile: f.head, atomically: false, encoding: .utf8)
        #expect(try f.verify() == .ok(count: 4))
    }

    /// 1,500 seeded events over 7 jobs, every step, with and without fingerprints, expiries,
    /// exit codes and probe configurations; appended one by one or in batches.
    static func appendRandomEvents(to store: SQLiteAuditLog, seed: UInt64 = 42) async throws {
        let random = SeededRandomSource(seed: seed)
        let steps: [AuditStep] = [
            .intent, .attempt, .issued, .sinkWritten, .verified, .done, .failed, .needsRecovery, .hook, .adopted,
            .recovered, .baselined, .probe, .unsettled, .preflightFailed,
        ]
        var batch: [AuditEvent] = []
        for index in 0..<1500 {
            var event = Self.event(
                steps[Int(random.nextUnit() * Double(steps.count))], job: "job-\(Int(random.nextUnit() * 7))",
                at: Double(index) + 0.0004)
            if random.nextUnit() < 0.3 { event.newFingerprint = "fp\(index)" }
            if random.nextUnit() < 0.2 {
                event.expiry = Date(timeIntervalSince1970: 1_900_000_000 + Double(index) + 0.0006)
            }
            if event.step == .hook { event.exitCode = random.nextUnit() < 0.5 ? 0 : 1 }
            if [.intent, .verified].contains(event.step), random.nextUnit() < 0.5 {
                event.probeConfig = "pc\(index % 3)"
            }
            batch.append(event)
            if random.nextUnit() < 0.5 {
                try await store.append(contentsOf: batch)
                batch = []
            }
        }
        try await store.append(contentsOf: batch)
    }

    @Test func historiesFromTheSubsetQueryEqualTheFoldOfEveryEvent() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try f.store()
        try await Self.appendRandomEvents(to: store)
        let all = try await store.events(AuditEventFilter())
        #expect(try await store.historiesFromChain() == JobHistory.fold(all))
    }

    @Test func thePerJobStateTableEqualsTheFoldOfEveryEventAndVerifyComparesThem() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try SQLiteAuditLog(path: f.db, key: f.key, headPath: f.head, projection: JobHistoryProjection())
        try await Self.appendRandomEvents(to: store)
        let all = try await store.events(AuditEventFilter())
        let table = try #require(try await store.jobStates(version: JobHistoryProjection.version))
        #expect(table.count == 7)
        #expect(try await store.histories() == JobHistory.fold(all))
        #expect(try await f.verifiedTable() == .matches(jobs: 7))

        // An edited row: readers would trust it, so verify must not.
        // Readable but wrong: every job given another job's state.
        let (status, output) = try f.sqlite(
            "UPDATE job_state SET state = (SELECT s.state FROM job_state s WHERE s.job > job_state.job ORDER BY s.job LIMIT 1) WHERE job < (SELECT max(job) FROM job_state)"
        )
        #expect(status == 0, "\(output)")
        guard case .differs(let jobs)? = try await f.verifiedTable() else {
            Issue.record("an edited state table went unnoticed")
            return
        }
        #expect(!jobs.isEmpty)
        try store.rebuildProjection()
        #expect(try await f.verifiedTable() == .matches(jobs: 7))
    }

    @Test func verifyChecksTheChainAndTheStateTableInOnePass() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try SQLiteAuditLog(path: f.db, key: f.key, headPath: f.head, projection: JobHistoryProjection())
        try await Self.appendRandomEvents(to: store)
        var (chain, table) = try await JobStateCheck.verify(databasePath: f.db, key: f.key, headPath: f.head)
        #expect(chain.isOK)
        #expect(table == .matches(jobs: 7))

        _ = try f.sqlite("UPDATE job_state SET state = X'00' WHERE job = (SELECT min(job) FROM job_state)")
        (chain, table) = try await JobStateCheck.verify(databasePath: f.db, key: f.key, headPath: f.head)
        guard case .differs(let jobs)? = table else {
            Issue.record("an unreadable state row went unnoticed: \(String(describing: table))")
            return
        }
        #expect(jobs.count == 1)
        (chain, table) = try await JobStateCheck.verify(databasePath: f.db, key: f.key, headPath: f.head) {
            try store.rebuildProjection()
        }
        #expect(table == .matches(jobs: 7))

        _ = try f.sqlite("DROP TRIGGER events_no_update; UPDATE events SET message = 'edited' WHERE seq = 5")
        (chain, table) = try await JobStateCheck.verify(databasePath: f.db, key: f.key, headPath: f.head)
        #expect(!chain.isOK)
        #expect(table == nil)
    }

    @Test func theReportsFailureCountReadsOnlyFailureRowsThroughItsIndex() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(3)
        let (status, plan) = try f.sqlite(
            "EXPLAIN QUERY PLAN SELECT * FROM events WHERE time >= 0 AND \(AuditSchema.failureStepsTerm) ORDER BY seq")
        #expect(status == 0, "\(plan)")
        #expect(plan.contains("events_failures"), "\(plan)")
        let store = try f.store()
        try await store.append(Self.event(.failed, job: "a"))
        try await store.append(Self.event(.needsRecovery, job: "b"))
        let failures = try await store.events(AuditEventFilter(steps: AuditStep.failures))
        #expect(failures.map(\.step) == [.failed, .needsRecovery])
    }

    @Test func anUnreadableStateRowNeverBlocksAnAppend() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try SQLiteAuditLog(path: f.db, key: f.key, headPath: f.head, projection: JobHistoryProjection())
        try await store.append(Self.event(.done, job: "a", fingerprint: "fp1"))
        let (status, output) = try f.sqlite("UPDATE job_state SET state = X'00ff' WHERE job = 'a'")
        #expect(status == 0, "\(output)")
        try await store.append(Self.event(.needsRecovery, job: "a"))
        #expect(try await store.histories()["a"]?.needsRecovery == true)
        #expect(try await store.histories()["a"]?.doneFingerprint == "fp1")
        #expect(try f.verify() == .ok(count: 2))
    }

    @Test func aTableThatMissedAppendsIsIgnoredByReadersAndRebuiltByTheNextWriter() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let projected = try SQLiteAuditLog(
            path: f.db, key: f.key, headPath: f.head, projection: JobHistoryProjection())
        try await projected.append(Self.event(.done, job: "a", fingerprint: "fp1"))
        // An older rekey (no projection) appends: the table lags and is not read.
        try await f.store().append(Self.event(.needsRecovery, job: "a"))
        #expect(try await SQLiteAuditReader(path: f.db).jobStates(version: JobHistoryProjection.version) == nil)
        #expect(try await SQLiteAuditReader(path: f.db).histories()["a"]?.needsRecovery == true)
        // The next projected append rebuilds it whole, the missed event included.
        try await projected.append(Self.event(.probe, job: "b"))
        let states = try #require(try await projected.jobStates(version: JobHistoryProjection.version))
        #expect(states.keys.sorted() == ["a", "b"])
        #expect(try await projected.histories()["a"]?.needsRecovery == true)
        // A log opened with another fold's version is rebuilt at open.
        #expect(try await projected.jobStates(version: "another-fold") == nil)
    }

    @Test func aReadOnlyStoreReadsWhileAnotherWrites() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(1)
        let reader = try SQLiteAuditReader(path: f.db)
        let writer = try f.store()
        try await writer.append(Self.event(.done))
        #expect(try await reader.events(AuditEventFilter()).count == 2)
        // A reader has no `append`: the type says it cannot write.
    }
}
