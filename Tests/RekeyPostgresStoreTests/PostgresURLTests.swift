import Foundation
import RekeyPostgresStore
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct PostgresURLTests {
    @Test func aURLParsesIntoItsPartsAndPrintsTheSame() throws {
        let url = try PostgresURL(parsing: "postgres://rekey@db.internal:6432/audit?sslmode=verify-full")
        #expect(
            url == PostgresURL(user: "rekey", host: "db.internal", port: 6432, database: "audit", sslMode: .verifyFull))
        #expect(url.description == "postgres://rekey@db.internal:6432/audit?sslmode=verify-full")
        let defaults = try PostgresURL(parsing: "postgresql://rekey@db/rekey")
        #expect(defaults.port == 5432 && defaults.sslMode == .prefer)
    }

    @Test(arguments: [
        "postgres://db.internal/rekey", "postgres://rekey@/rekey", "postgres://rekey@db", "postgres://rekey@db/",
        "postgres://rekey@db/rekey?sslmode=sometimes", "postgres://rekey@db/rekey?application_name=x",
        "/var/lib/rekey/audit.sqlite",
    ])
    func anIncompleteOrUnknownURLIsRefusedWithWhatIsMissing(text: String) {
        #expect(throws: PostgresStoreError.self) { try PostgresURL(parsing: text) }
    }

    @Test func aPasswordInTheURLIsRefusedAndNeverRepeated() {
        do {
            _ = try PostgresURL(parsing: "postgres://rekey:hunter2@db/rekey")
            Issue.record("a URL with a password was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("PGPASSWORD"))
        }
    }

    @Test func thePasswordComesFromPGPASSWORDThenAPrivatePgpassFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = try PostgresURL(parsing: "postgres://rekey@db.internal:5432/audit")
        #expect(
            PostgresPassword.lookup(for: url, environment: ["PGPASSWORD": "from-env"], homeDirectory: dir.path)
                == "from-env")
        let pgpass = try dir.write(
            ".pgpass", "# comment\nother:5432:audit:rekey:wrong\ndb.internal:*:audit:rekey:pa\\:ss\n*:*:*:*:fallback\n")
        chmod(pgpass, 0o644)
        // libpq ignores a password file others can read; so does rekey.
        #expect(PostgresPassword.lookup(for: url, environment: [:], homeDirectory: dir.path) == nil)
        chmod(pgpass, 0o600)
        #expect(PostgresPassword.lookup(for: url, environment: [:], homeDirectory: dir.path) == "pa:ss")
        let other = try PostgresURL(parsing: "postgres://someone@elsewhere/db")
        #expect(PostgresPassword.lookup(for: other, environment: [:], homeDirectory: dir.path) == "fallback")
        #expect(
            PostgresPassword.lookup(for: url, environment: ["PGPASSFILE": dir.file("none")], homeDirectory: dir.path)
                == nil)
    }
}
