import Foundation
import RekeyAudit
import RekeyPostgresStore
import RekeySchedule
import RekeyTestSupport
import Testing

/// The PostgreSQL log against a real server: the chain, its checks on append and in
/// `audit verify`, concurrent appenders, migrations and the per-job state table.
@Suite(.timeLimit(.minutes(3))) struct PostgresAuditLogTests {
    static func event(_ step: AuditStep, job: String = "acme-prod", at seconds: Double = 0) -> AuditEvent {
        AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000 + seconds), runID: "run-1", step: step, job: job,
            tenant: "acme", env: "prod", provider: "questionpro.api-key", message: "\(step.rawValue) of \(job)")
    }

    func fill(_ f: PostgresFixture, _ count: Int) async throws {
        let log = try await f.open()
        defer { log.close() }
        for index in 0..<count { try await log.append(Self.event(.attempt, at: Double(index))) }
    }

    @Test func appendsFormOneChainThatVerifies() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let log = try await f.open()
        defer { log.close() }
        let first = try await log.append(Self.event(.intent))
        let rest = try await log.append(contentsOf: [Self.event(.issued), Self.event(.done)])
        #expect(first.sequence == 1 && rest.map(\.sequence) == [2, 3])
        #expect(rest[0].prevHash == first.hash && rest[1].prevHash == rest[0].hash)
        #expect(try await log.events(AuditEventFilter()) == [first] + rest)
        #expect(try await f.verify() == .ok(count: 3))
        #expect(try f.sql("SELECT seq, hash = '\(rest[1].hash ?? "")' FROM chain_head") == "3\tt")
        #expect(try f.sql("SELECT version FROM schema_version") == "3")
    }

    @Test func updateDeleteAndTruncateAreRefused() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 2)
        for statement in [
            "UPDATE events SET message = 'x' WHERE seq = 1", "DELETE FROM events WHERE seq = 1", "TRUNCATE events",
        ] {
            #expect(throws: (any Error).self, "\(statement)") { try f.sql(statement) }
        }
        #expect(try await f.verify() == .ok(count: 2))
    }

    @Test(arguments: [
        ("an updated row", "UPDATE events SET message = 'nothing happened' WHERE seq = 3", "changed"),
        ("an updated step", "UPDATE events SET step = 'bogus' WHERE seq = 3", "changed"),
        ("a deleted middle row", "DELETE FROM events WHERE seq = 3", "missing"),
        ("the newest rows deleted", "DELETE FROM events WHERE seq > 3", "truncated"),
        (
            "a forged row appended",
            "INSERT INTO events (seq, time, run, step, prev_hash, hash) VALUES (6, 0, 'x', 'done', 'forged', 'forged'); UPDATE chain_head SET seq = 6, hash = 'forged'",
            "not signed"
        ),
    ])
    func verifyCatchesTampering(name: String, statements: String, expected: String) async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 5)
        try f.tamper(statements)
        let result = try await f.verify()
        #expect(!result.isOK, "\(name) went unnoticed")
        #expect(result.description.contains(expected), "\(name): \(result)")
    }

    @Test func theNewestRowsDeletedWithAnOlderHeadRestoredAreCaughtByTheHostThatSawThem() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 3)
        let olderHead = try f.sql("SELECT seq || ',' || hash || ',' || mac FROM chain_head").split(separator: ",")
        try await fill(f, 2)
        try f.tamper(
            "DELETE FROM events WHERE seq > 3; UPDATE chain_head SET seq = \(olderHead[0]), hash = '\(olderHead[1])', mac = '\(olderHead[2])'"
        )
        // The database alone is consistent again: only this host's head shows the loss.
        #expect(try await f.verify(localHead: false) == .ok(count: 3))
        let result = try await f.verify()
        #expect(result.description.contains("truncated"), "\(result)")
        await #expect(throws: PostgresStoreError.self) { try await f.open() }
    }

    @Test func aHostHeadFileNotSignedByTheKeyIsRefusedNotIgnored() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 3)
        try "3 \(String(repeating: "0", count: 64))\n".write(toFile: f.head, atomically: false, encoding: .utf8)
        await #expect(throws: PostgresStoreError.self) { try await f.open() }
        let result = try await f.verify()
        #expect(result.description.contains("not signed by this fleet key"), "\(result)")
    }

    @Test func aWriterRefusesToExtendATruncatedOrRewrittenLog() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 4)
        try f.tamper("DELETE FROM events WHERE seq = 4")
        do {
            _ = try await f.open(keepingHead: false)
            Issue.record("a truncated log was opened for appending")
        } catch let error as PostgresStoreError {
            #expect(error.description.contains("deleted"))
            #expect(error.description.contains("rekey audit verify"))
        }
    }

    @Test func concurrentAppendersOnSeveralConnectionsKeepOneChain() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        // Three "hosts", each with a pool of its own, each appending from many tasks.
        var logs: [PostgresAuditLog] = []
        for _ in 0..<3 { logs.append(try await f.open(projection: JobHistoryProjection())) }
        defer { for log in logs { log.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (host, log) in logs.enumerated() {
                for index in 0..<40 {
                    group.addTask {
                        if index % 4 == 0 {
                            try await log.append(contentsOf: [
                                Self.event(.intent, job: "job-\(host)", at: Double(index)),
                                Self.event(.done, job: "job-\(host)", at: Double(index)),
                            ])
                        } else {
                            try await log.append(Self.event(.attempt, job: "job-\(host)", at: Double(index)))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = try await logs[0].events(AuditEventFilter())
        #expect(all.count == 150)
        #expect(all.map(\.sequence) == (1...150).map { Int64($0) })
        #expect(try await f.verify() == .ok(count: 150))
        let table = try #require(try await logs[1].jobStates(version: JobHistoryProjection.version))
        #expect(table.count == 3)
        #expect(try await logs[2].histories() == JobHistory.fold(all))
    }

    @Test func reopeningMigratesNothingTwiceAndARaceOfOpensCreatesOneSchema() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let log = try await f.open()
                    log.close()
                }
            }
            try await group.waitForAll()
        }
        try await fill(f, 2)
        #expect(try f.sql("SELECT version FROM schema_version") == "3")
        #expect(try await f.verify() == .ok(count: 2))
    }

    @Test func aDatabaseAtAnOlderSchemaVersionIsMigratedAndANewerOneIsRefused() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try await fill(f, 3)
        // Back to version 1, as a database written before leases and the shared spool existed.
        try f.sql(
            "DROP TABLE leases, spool, hosts; DROP SEQUENCE lease_fencing_tokens; UPDATE schema_version SET version = 1"
        )
        try await fill(f, 1)
        #expect(try f.sql("SELECT version FROM schema_version") == "3")
        #expect(try f.sql("SELECT to_regclass('leases') IS NOT NULL AND to_regclass('spool') IS NOT NULL") == "t")
        #expect(try await f.verify() == .ok(count: 4))
        try f.sql("UPDATE schema_version SET version = 99")
        for open in [{ try await f.open() }, { try await PostgresAuditLog.openReader(url: f.url, password: nil) }] {
            do {
                _ = try await open()
                Issue.record("a schema newer than this rekey was opened")
            } catch let error as PostgresStoreError {
                #expect(error.description.contains("upgrade rekey"))
            }
        }
    }

    @Test func aReaderCreatesNothingAndReadsAnEmptyDatabaseAsAnEmptyLog() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let reader = try await PostgresAuditLog.openReader(url: f.url, password: nil)
        defer { reader.close() }
        #expect(try await reader.events(AuditEventFilter()).isEmpty)
        #expect(try await reader.historyEvents().isEmpty)
        #expect(try await PostgresAuditVerifier.verify(reader, key: f.key, localHeadPath: nil) == .ok(count: 0))
        #expect(try f.sql("SELECT to_regclass('events') IS NULL") == "t")
        await #expect(throws: PostgresStoreError.self) { try await reader.append(Self.event(.done)) }
    }

    @Test func verifyComparesTheStateTableWithTheChain() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let log = try await f.open(projection: JobHistoryProjection())
        defer { log.close() }
        for index in 0..<20 {
            try await log.append(
                Self.event(index % 3 == 0 ? .done : .attempt, job: "job-\(index % 4)", at: Double(index)))
        }
        func check() async throws -> JobStateCheck.Result? {
            try await JobStateCheck.verify(reader: log) { each in
                try await PostgresAuditVerifier.verify(log, key: f.key, localHeadPath: f.head, eachEvent: each)
            }.table
        }
        #expect(try await check() == .matches(jobs: 4))
        try f.sql("UPDATE job_state SET state = '\\x00'::bytea WHERE job = 'job-1'")
        #expect(try await check() == .differs(jobs: ["job-1"]))
        try await log.rebuildProjection()
        #expect(try await check() == .matches(jobs: 4))
    }

    @Test func errorsNameTheDatabaseWithoutAPassword() async throws {
        let url = try PostgresURL(parsing: "postgres://rekey@127.0.0.1:\(LocalStoreServer.freePort())/rekey")
        do {
            _ = try await PostgresAuditLog.openReader(url: url, password: "hunter2-secret")
            Issue.record("connected to a port nobody listens on")
        } catch {
            let message = "\(error)"
            #expect(message.contains("postgres://rekey@127.0.0.1"))
            #expect(!message.contains("hunter2"))
        }
    }
}
