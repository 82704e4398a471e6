import Foundation
import RekeyAudit
import RekeyPostgresStore
import RekeySchedule
import RekeyTestSupport

/// A fleet's PostgreSQL database as the loop that kills fleet hosts reads it: the audit log,
/// read in-process without a key (a reader never waits for a writer's row lock, so a host
/// frozen in the middle of an append cannot hold a read up), each job's history, and the
/// leases and host registrations a killed host leaves behind until they run out.
final class FleetLog: Sendable {
    let cluster: PostgresTestCluster
    let database: String
    let reader: PostgresAuditLog

    /// Opens `url`'s log, which a run must have created (a reader of a database without the
    /// schema reads as empty for good).
    init(cluster: PostgresTestCluster, url: String) async throws {
        self.cluster = cluster
        database = PostgresTestCluster.databaseName(of: url)
        reader = try await PostgresAuditLog.openReader(url: try PostgresURL(parsing: url), password: nil)
    }

    func close() { reader.close() }

    /// The newest event's position in the chain (0 for an empty log).
    func newestSequence() async throws -> Int64 {
        try await reader.events(AuditEventFilter(limit: 1)).last?.sequence ?? 0
    }

    /// The job events committed after position `sequence` (and stamped at `since` or later,
    /// which keeps the read short), in chain order.
    func jobEvents(after sequence: Int64, since: Date) async throws -> [AuditEvent] {
        try await reader.events(AuditEventFilter(since: since)).filter {
            ($0.sequence ?? 0) > sequence && $0.job != nil
        }
    }

    /// Each job's last committed step among the events after position `sequence` (jobs
    /// without such an event have not started a rotation since).
    func lastSteps(after sequence: Int64, since: Date) async throws -> [String: AuditStep] {
        var steps: [String: AuditStep] = [:]
        for event in try await jobEvents(after: sequence, since: since) { steps[event.job!] = event.step }
        return steps
    }

    /// Every job's history, folded from the chain (what recovery decides from).
    func histories() async throws -> [String: JobHistory] {
        try await reader.historiesFromChain()
    }

    /// Leases that have not run out, by the database's clock.
    func liveLeases() async throws -> Int {
        Int(try await scalar("SELECT count(*) FROM leases WHERE lease_until > now()")) ?? -1
    }

    /// Waits until every lease and every host registration has run out by the database's
    /// clock (a killed host's last renewal plus one `fleet.lease`), for at most `limit`
    /// seconds; false when some are still live then.
    func waitUntilClaimsRunOut(limit: TimeInterval = 30) async throws -> Bool {
        let deadline = Date() + limit
        while Date() < deadline {
            let left =
                Double(
                    try await scalar(
                        """
                        SELECT COALESCE(EXTRACT(EPOCH FROM GREATEST(
                            (SELECT max(lease_until) FROM leases), (SELECT max(alive_until) FROM hosts)) - now()), 0)
                        """)) ?? 0
            if left <= 0 { return true }
            // Just past the newest claim's end, then look again.
            try await Task.sleep(for: .milliseconds(Int(min(left, 5) * 1000) + 20))
        }
        return false
    }

    private func scalar(_ sql: String) async throws -> String {
        let (cluster, database) = (self.cluster, self.database)
        return try await OffPool.run {
            try cluster.psql(database: database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
