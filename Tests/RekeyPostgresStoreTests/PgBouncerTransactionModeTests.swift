import Foundation
import RekeyAudit
import RekeyPostgresStore
import RekeySchedule
import RekeyTestSupport
import Testing

/// The log and the leases through pgbouncer 1.18 in transaction mode, where each transaction
/// may get another server connection: named prepared statements, session settings and
/// session-level advisory locks would break here; rekey uses none of them.
@Suite(.timeLimit(.minutes(3))) struct PgBouncerTransactionModeTests {
    @Test func appendsFromSeveralHostsVerifyAndLeasesWorkThroughPgBouncer() async throws {
        guard let f = try await PostgresFixture.make(),
            let pooled = await f.cluster.throughPgBouncer(f.cluster.url(database: f.database))
        else { return }
        defer { f.remove() }
        let url = try PostgresURL(parsing: pooled)
        #expect(url.port != f.url.port && url.database == f.database)
        var logs: [PostgresAuditLog] = []
        for _ in 0..<3 {
            logs.append(
                try await PostgresAuditLog.open(
                    url: url, password: nil, key: f.key, headPath: f.head, projection: JobHistoryProjection()))
        }
        defer { for log in logs { log.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (host, log) in logs.enumerated() {
                for index in 0..<20 {
                    group.addTask {
                        try await log.append(
                            AuditEvent(
                                time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), runID: "run-\(host)",
                                step: index % 5 == 4 ? .done : .attempt, job: "job-\(host)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let reader = try await PostgresAuditLog.openReader(url: url, password: nil)
        defer { reader.close() }
        #expect(try await reader.events(AuditEventFilter()).map(\.sequence) == (1...60).map { Int64($0) })
        #expect(try await PostgresAuditVerifier.verify(reader, key: f.key, localHeadPath: f.head) == .ok(count: 60))
        #expect(try await reader.jobStates(version: JobHistoryProjection.version)?.count == 3)

        let a = try await PostgresLeaseProvider.open(url: url, password: nil, holder: "host-a")
        let b = try await PostgresLeaseProvider.open(url: url, password: nil, holder: "host-b")
        defer {
            a.close()
            b.close()
        }
        let jobs = (0..<10).map { "job-\($0)" }
        async let fromA = a.claim(jobs, limit: 5, duration: 300)
        async let fromB = b.claim(jobs, limit: 5, duration: 300)
        let (leasesA, leasesB) = try await (fromA, fromB)
        #expect(Set((leasesA + leasesB).map(\.job)) == Set(jobs))
        #expect(try await a.isHeld(leasesA[0]))
        #expect(try await b.renew(leasesB[0], duration: 300) != nil)
    }
}
