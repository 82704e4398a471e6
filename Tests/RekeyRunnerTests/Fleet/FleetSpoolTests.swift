import Foundation
import RekeyDelivery
import RekeyModel
import RekeyPostgresStore
import RekeyRunner
import RekeyTestSupport
import Testing

/// The fleet's spool against the process's private PostgreSQL (never mocked): a secret is
/// sealed in both copies, neither the table nor this host's file ever holds it in clear, and
/// an entry that does not open, or a second secret of one job, is reported and kept.
@Suite(.timeLimit(.minutes(3))) struct FleetSpoolTests {
    static let secret = "sk_live_FLEET-SPOOL-SECRET-4242"
    static let fleetKey = FleetKey(bytes: Array(repeating: 7, count: 32))

    /// One database and, per host, a spool directory and an open table.
    struct Fixture {
        let cluster: PostgresTestCluster
        let url: PostgresURL
        let dir: TemporaryDirectory
        var database: String { url.database }

        static func make() async throws -> Fixture? {
            guard let cluster = await PostgresTestCluster.shared else { return nil }
            return Fixture(
                cluster: cluster, url: try PostgresURL(parsing: try cluster.makeDatabase()),
                dir: try TemporaryDirectory())
        }

        /// A host's spool: its own directory, its own connections.
        func spool(host: String = "host-a", key: FleetKey = FleetSpoolTests.fleetKey, url: PostgresURL? = nil)
            async throws -> FleetSpool
        {
            let directory = dir.file("spool-\(host)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let table = try await PostgresSpoolTable.open(url: url ?? self.url, password: nil)
            return FleetSpool(shared: table, local: LocalSpool(directory: directory), key: key.spoolKey, host: host)
        }

        @discardableResult
        func sql(_ statements: String) throws -> String { try cluster.psql(database: database, statements) }

        func remove() { dir.remove() }
    }

    static func spooled(
        _ job: String = "acme-prod", secret: String = FleetSpoolTests.secret, fingerprint: String = "fp-new",
        token: Int64? = 41
    ) -> SpooledSecret {
        SpooledSecret(
            job: job, secret: Secret(secret), fingerprint: fingerprint,
            issuedAt: Date(timeIntervalSince1970: 1_800_000_000.5), expiry: Date(timeIntervalSince1970: 1_807_776_000),
            credentialID: "cred-9", fencingToken: token)
    }

    @Test func aSecretRoundTripsThroughBothCopiesAndIsRemovedFromBoth() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        #expect(await spool.preflight() == nil)
        try await spool.write(Self.spooled())
        try await spool.write(Self.spooled())  // the same secret again: one row
        #expect(
            try f.sql("SELECT job, fingerprint, token, host, credential_id FROM spool")
                == "acme-prod\tfp-new\t41\thost-a\tcred-9")
        #expect(FileManager.default.fileExists(atPath: spool.local.path(for: "acme-prod")))

        let contents = try await spool.all()
        #expect(contents.unreadable.isEmpty)
        let entry = try #require(contents.entries.first)
        #expect(contents.entries.count == 1)
        #expect(entry.job == "acme-prod" && entry.fingerprint == "fp-new" && entry.fencingToken == 41)
        #expect(entry.secret.revealed == Self.secret)
        #expect(entry.issuedAt == Date(timeIntervalSince1970: 1_800_000_000.5))
        #expect(entry.expiry == Date(timeIntervalSince1970: 1_807_776_000) && entry.credentialID == "cred-9")

        await spool.remove(job: "acme-prod", fingerprint: "fp-other")
        #expect(try await spool.all().entries.count == 1)
        await spool.remove(job: "acme-prod", fingerprint: "fp-new")
        #expect(try await spool.all().entries.isEmpty)
        #expect(try f.sql("SELECT count(*) FROM spool") == "0")
        #expect(!FileManager.default.fileExists(atPath: spool.local.path(for: "acme-prod")))

        // remove(job:) takes a job's only secret away from both places too.
        try await spool.write(Self.spooled("other"))
        await spool.remove(job: "other")
        #expect(try f.sql("SELECT count(*) FROM spool") == "0")
        #expect(!FileManager.default.fileExists(atPath: spool.local.path(for: "other")))
    }

    /// What a `pg_dump`, a replica or a backup holds: the sealed column, the whole row as
    /// text, and pg_dump's own output, none with the secret in any spelling.
    @Test func neitherTheTableNorADumpOfItHoldsTheSecret() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try await spool.write(Self.spooled())
        let spellings = [
            Self.secret, Data(Self.secret.utf8).base64EncodedString(),
            Data(Self.secret.utf8).map { String(format: "%02x", $0) }.joined(),
        ]
        let raw = try f.sql(
            "SELECT encode(sealed, 'escape'), encode(sealed, 'hex'), encode(sealed, 'base64'), spool::text FROM spool")
        #expect(!raw.isEmpty)
        for spelling in spellings { #expect(!raw.contains(spelling)) }
        let sealed = try #require(try await spool.shared.rows().first?.sealed)
        #expect(sealed.count == 12 + Self.secret.utf8.count + 16)  // nonce, ciphertext, tag
        #expect(sealed.firstRange(of: Data(Self.secret.utf8)) == nil)
        let dump = try #require(try Self.pgDump(f))
        #expect(dump.contains("COPY public.spool"))
        for spelling in spellings { #expect(!dump.contains(spelling)) }
    }

    @Test func thisHostsCopyHoldsTheSealedBoxNotTheSecret() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try await spool.write(Self.spooled())
        let bytes = try Data(contentsOf: URL(fileURLWithPath: spool.local.path(for: "acme-prod")))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(bytes.firstRange(of: Data(Self.secret.utf8)) == nil)
        #expect(!text.contains(Data(Self.secret.utf8).base64EncodedString()))
        #expect(text.contains("sealed:v1:41:"))
        // The same box as the shared row, so either opens with the same binding.
        let sealed = try #require(try await spool.shared.rows().first?.sealed)
        #expect(text.contains(sealed.base64EncodedString().replacingOccurrences(of: "/", with: "\\/")))
    }

    @Test func aSharedRowDeletedBehindTheSpoolsBackIsStillReturnedFromThisHostsCopy() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try await spool.write(Self.spooled())
        // What a failover to an asynchronous standby does to the last commits.
        try f.sql("DELETE FROM spool")
        let contents = try await spool.all()
        #expect(contents.unreadable.isEmpty)
        #expect(contents.entries.map(\.secret.revealed) == [Self.secret])
        #expect(contents.entries.first?.fencingToken == 41)
    }

    /// A single-host run left an undelivered secret in this state directory before it joined
    /// the fleet: it is still rolled forward (as that run would have), not lost.
    @Test func aClearEntryASingleHostRunLeftIsStillReturned() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try await spool.local.write(Self.spooled(token: nil))
        let contents = try await spool.all()
        #expect(contents.unreadable.isEmpty)
        #expect(contents.entries.map(\.secret.revealed) == [Self.secret])
        await spool.remove(job: "acme-prod", fingerprint: "fp-new")
        #expect(try await spool.all().entries.isEmpty)
    }

    /// An entry moved to another token or job, or sealed under another fleet key, does not
    /// open: it is reported by job and fingerprint (never with the secret) and left in place.
    @Test func aRowWhoseBindingWasChangedDoesNotOpenIsNamedAndIsKept() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try await spool.write(Self.spooled())

        try f.sql("UPDATE spool SET token = token + 1")
        var contents = try await spool.all()
        #expect(contents.entries.isEmpty)
        let problem = try #require(contents.unreadable.first { $0.job == "acme-prod" }?.problem)
        #expect(problem.contains("'acme-prod'") && problem.contains("fp-new") && problem.contains("token 42"))
        #expect(problem.contains("cannot be opened") && !problem.contains(Self.secret))
        #expect(try f.sql("SELECT count(*) FROM spool") == "1")

        // Moved to another job: that row does not open; this host's copy of the original
        // (which the table now lacks) still does.
        try f.sql("UPDATE spool SET token = token - 1, job = 'payroll'")
        contents = try await spool.all()
        #expect(contents.unreadable.map(\.job) == ["payroll"])
        #expect(contents.entries.map(\.job) == ["acme-prod"])
        #expect(try f.sql("SELECT job FROM spool") == "payroll")

        // A credential id changed in the table (what a later revoke would name).
        try f.sql("UPDATE spool SET job = 'acme-prod', credential_id = 'cred-of-another-account'")
        #expect(try await spool.all().unreadable.map(\.job) == ["acme-prod"])

        // Sealed under another fleet key.
        let stranger = try await f.spool(host: "host-z", key: FleetKey(bytes: Array(repeating: 8, count: 32)))
        defer { stranger.shared.close() }
        try await stranger.write(Self.spooled("billing"))
        contents = try await spool.all()
        #expect(contents.unreadable.contains { $0.job == "billing" && $0.problem.contains("another fleet key") })
        #expect(try f.sql("SELECT count(*) FROM spool") == "2")
    }

    /// A host whose lease was taken over spooled late, beside the new holder's secret: both
    /// are named, with their tokens, and neither is removed until an operator adopts one.
    @Test func twoSecretsOfOneJobAreReportedNamingBothAndRemovingTheJobKeepsBoth() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let late = try await f.spool(host: "host-a")
        let holder = try await f.spool(host: "host-b")
        defer {
            late.shared.close()
            holder.shared.close()
        }
        try await holder.write(Self.spooled(secret: "new-holders-key", fingerprint: "fp-b", token: 7))
        try await late.write(Self.spooled(secret: "late-hosts-key", fingerprint: "fp-a", token: 5))

        for spool in [late, holder] {
            let contents = try await spool.all()
            #expect(contents.entries.isEmpty)
            #expect(contents.unreadable.count == 1)
            let problem = try #require(contents.unreadable.first { $0.job == "acme-prod" }?.problem)
            #expect(problem.contains("fingerprint fp-a (token 5") && problem.contains("fingerprint fp-b (token 7"))
            #expect(problem.contains("rekey adopt --job acme-prod"))
            #expect(!problem.contains("new-holders-key") && !problem.contains("late-hosts-key"))
        }
        await holder.remove(job: "acme-prod")
        await late.remove(job: "acme-prod")
        #expect(try f.sql("SELECT fingerprint FROM spool ORDER BY token") == "fp-a\nfp-b")
        #expect(FileManager.default.fileExists(atPath: holder.local.path(for: "acme-prod")))
        #expect(FileManager.default.fileExists(atPath: late.local.path(for: "acme-prod")))

        // Once one is settled (here the late one, by fingerprint), the other is an entry again.
        await late.remove(job: "acme-prod", fingerprint: "fp-a")
        #expect(try await holder.all().entries.map(\.secret.revealed) == ["new-holders-key"])
    }

    /// This host's copy of a secret the table lost, beside another host's row for the same
    /// job, is a second secret too.
    @Test func aCopyTheTableLostBesideAnotherRowOfTheJobIsASecondSecret() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool(host: "host-a")
        defer { spool.shared.close() }
        try await spool.write(Self.spooled(fingerprint: "fp-a", token: 5))
        try f.sql("DELETE FROM spool")
        let other = try await f.spool(host: "host-b")
        defer { other.shared.close() }
        try await other.write(Self.spooled(fingerprint: "fp-b", token: 7))
        let problem = try #require(try await spool.all().unreadable.first?.problem)
        #expect(
            problem.contains("fp-a (token 5, in this host's copy") && problem.contains("fp-b (token 7, in the shared"))
        #expect(try await other.all().entries.map(\.fingerprint) == ["fp-b"])
        await spool.remove(job: "acme-prod")
        #expect(try f.sql("SELECT fingerprint FROM spool") == "fp-b")
        #expect(FileManager.default.fileExists(atPath: spool.local.path(for: "acme-prod")))
    }

    @Test func aSecretWithoutAFencingTokenIsRefusedAndNothingIsWritten() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        let error = await #expect(throws: FleetSpoolError.self) { try await spool.write(Self.spooled(token: nil)) }
        #expect(error?.description.contains("without the fencing token") == true)
        #expect(try f.sql("SELECT count(*) FROM spool") == "0")
        #expect(!FileManager.default.fileExists(atPath: spool.local.path(for: "acme-prod")))
    }

    /// The shared row is refused (a trigger stands in for a database that fails the write):
    /// the write throws, so the run delivers from memory, and says where the secret is; this
    /// host's copy still has it for a later run.
    @Test func aSharedWriteThatFailsThrowsAndThisHostsCopyStillHoldsTheSecret() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        defer { spool.shared.close() }
        try f.sql(
            """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON spool FOR EACH ROW EXECUTE FUNCTION refuse()
            """)
        let error = await #expect(throws: FleetSpoolError.self) { try await spool.write(Self.spooled()) }
        let message = try #require(error?.description)
        #expect(message.contains("refused for the test") && message.contains(spool.local.path(for: "acme-prod")))
        #expect(!message.contains(Self.secret))
        #expect(try await spool.all().entries.map(\.secret.revealed) == [Self.secret])
    }

    @Test func preflightSaysWhenTheSharedSpoolCannotBeReached() async throws {
        guard let f = try await Fixture.make() else { return }
        defer { f.remove() }
        let spool = try await f.spool()
        spool.shared.close()
        let problem = try #require(await spool.preflight())
        #expect(problem.contains("shared spool cannot be reached"))
    }

    @Test func itWorksThroughPgBouncerInTransactionMode() async throws {
        guard let f = try await Fixture.make(),
            let pooled = await f.cluster.throughPgBouncer(f.cluster.url(database: f.database))
        else { return }
        defer { f.remove() }
        let spool = try await f.spool(url: try PostgresURL(parsing: pooled))
        defer { spool.shared.close() }
        #expect(await spool.preflight() == nil)
        for index in 0..<10 { try await spool.write(Self.spooled("job-\(index)", token: Int64(index + 1))) }
        let contents = try await spool.all()
        #expect(contents.entries.count == 10 && contents.unreadable.isEmpty)
        #expect(contents.entries.allSatisfy { $0.secret.revealed == Self.secret })
        for index in 0..<10 { await spool.remove(job: "job-\(index)") }
        #expect(try await spool.all().entries.isEmpty)
    }

    /// pg_dump's data of the spool table, or nil when PostgreSQL's client programs are not
    /// where the test cluster's are.
    static func pgDump(_ f: Fixture) throws -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard
            let program = versions.compactMap(Int.init).sorted().reversed().map({ "\(root)/\($0)/bin/pg_dump" }).first(
                where: FileManager.default.isExecutableFile(atPath:))
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [
            "--data-only", "--table=spool", "-h", "127.0.0.1", "-p", "\(f.cluster.port)", "-U",
            PostgresTestCluster.role, "-d", f.database,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text : nil
    }
}
