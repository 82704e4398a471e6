// One test's PostgreSQL database (fresh, on the process's private cluster), its state
// directory, and the raw SQL a tampering test needs. nil when PostgreSQL is not installed
// and system tests are not required (the test then returns after a SKIPPED line).

import Foundation
import RekeyAudit
import RekeyPostgresStore
import RekeySchedule
import RekeyTestSupport

struct PostgresFixture {
    let cluster: PostgresTestCluster
    let url: PostgresURL
    let dir: TemporaryDirectory
    let key = AuditKey(bytes: Array(repeating: 5, count: 32))
    /// This host's copy of the highest head it has seen.
    var head: String { dir.file("audit-postgres.head") }
    var database: String { url.database }

    static func make() async throws -> PostgresFixture? {
        guard let cluster = await PostgresTestCluster.shared else { return nil }
        return PostgresFixture(
            cluster: cluster, url: try PostgresURL(parsing: try cluster.makeDatabase()), dir: try TemporaryDirectory())
    }

    func open(projection: (any AuditProjection)? = nil, keepingHead: Bool = true) async throws -> PostgresAuditLog {
        try await PostgresAuditLog.open(
            url: url, password: nil, key: key, headPath: keepingHead ? head : nil, projection: projection)
    }

    /// Runs SQL as the cluster's superuser role, past the append-only triggers.
    @discardableResult
    func sql(_ statements: String) throws -> String { try cluster.psql(database: database, statements) }

    func tamper(_ statements: String) throws {
        try sql("ALTER TABLE events DISABLE TRIGGER USER; \(statements); ALTER TABLE events ENABLE TRIGGER USER")
    }

    func verify(localHead: Bool = true) async throws -> VerifyResult {
        let reader = try await PostgresAuditLog.openReader(url: url, password: nil)
        defer { reader.close() }
        return try await PostgresAuditVerifier.verify(reader, key: key, localHeadPath: localHead ? head : nil)
    }

    func remove() { dir.remove() }
}
