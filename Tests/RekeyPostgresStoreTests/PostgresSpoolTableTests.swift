import Foundation
import RekeyPostgresStore
import RekeyTestSupport
import Testing

/// The shared spool table on the process's private PostgreSQL (and through pgbouncer in
/// transaction mode). It moves sealed bytes only; `FleetSpoolTests` checks what they hold.
@Suite(.timeLimit(.minutes(3))) struct PostgresSpoolTableTests {
    static func row(_ job: String, _ fingerprint: String, token: Int64, sealed: [UInt8] = [1, 2, 3]) -> PostgresSpoolRow
    {
        PostgresSpoolRow(
            job: job, fingerprint: fingerprint, token: token, host: "host-a",
            issuedAt: Date(timeIntervalSince1970: 1_800_000_000.123),
            expiry: Date(timeIntervalSince1970: 1_900_000_000),
            credentialID: token.isMultiple(of: 2) ? "cred-\(token)" : nil, sealed: Data(sealed))
    }

    @Test func rowsReadBackOrderedByJobAndTokenAndARewriteOfOneSecretReplacesItsRow() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let table = try await PostgresSpoolTable.open(url: f.url, password: nil)
        defer { table.close() }
        try await table.insert(Self.row("job-b", "fp-2", token: 9))
        try await table.insert(Self.row("job-a", "fp-1", token: 7))
        try await table.insert(Self.row("job-b", "fp-1", token: 3))
        #expect(
            try await table.rows() == [
                Self.row("job-a", "fp-1", token: 7), Self.row("job-b", "fp-1", token: 3),
                Self.row("job-b", "fp-2", token: 9),
            ])
        // The same secret written again (a retry, an adoption of a key already spooled).
        let rewritten = Self.row("job-b", "fp-1", token: 12, sealed: [9, 9])
        try await table.insert(rewritten)
        #expect(try await table.rows(job: "job-b") == [Self.row("job-b", "fp-2", token: 9), rewritten])

        try await table.delete(job: "job-b", fingerprint: "fp-2")
        #expect(try await table.rows().map(\.fingerprint) == ["fp-1", "fp-1"])
        try await table.delete(job: "job-b")
        #expect(try await table.rows() == [Self.row("job-a", "fp-1", token: 7)])
        try await table.checkReachable()
    }

    /// `SHOW synchronous_commit` from another connection says nothing about the writer's
    /// transaction, so a trigger on the table records the setting the insert itself runs
    /// under, with the database's default set to `off`.
    @Test func theInsertCommitsWithSynchronousCommitOnWhenTheDatabaseDefaultIsOff() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        try f.sql("ALTER DATABASE \(f.database) SET synchronous_commit = off")
        let table = try await PostgresSpoolTable.open(url: f.url, password: nil)
        defer { table.close() }
        try f.sql(
            """
            CREATE TABLE seen (setting text);
            CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO seen VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$;
            CREATE TRIGGER record_setting BEFORE INSERT ON spool FOR EACH ROW EXECUTE FUNCTION record_setting()
            """)
        #expect(try f.sql("SHOW synchronous_commit") == "off")
        try await table.insert(Self.row("job-a", "fp-1", token: 1))
        try await table.insert(Self.row("job-a", "fp-1", token: 2))
        #expect(try f.sql("SELECT setting FROM seen") == "on\non")
    }

    @Test func itWorksThroughPgBouncerInTransactionMode() async throws {
        guard let f = try await PostgresFixture.make(),
            let pooled = await f.cluster.throughPgBouncer(f.cluster.url(database: f.database))
        else { return }
        defer { f.remove() }
        let url = try PostgresURL(parsing: pooled)
        #expect(url.port != f.url.port)
        let tables = [
            try await PostgresSpoolTable.open(url: url, password: nil),
            try await PostgresSpoolTable.open(url: url, password: nil),
        ]
        defer { for table in tables { table.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (host, table) in tables.enumerated() {
                for index in 0..<15 {
                    group.addTask {
                        try await table.insert(Self.row("job-\(index)", "fp-\(host)", token: Int64(index)))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await tables[0].rows().count == 30)
        for index in 0..<15 { try await tables[1].delete(job: "job-\(index)", fingerprint: "fp-0") }
        #expect(try await tables[0].rows().map(\.fingerprint) == Array(repeating: "fp-1", count: 15))
        try await tables[1].checkReachable()
    }
}
