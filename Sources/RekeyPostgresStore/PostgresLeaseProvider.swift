// Leases on jobs in a fleet's PostgreSQL database, which fleet runs claim work with. A
// claim is one short transaction: free rows are picked with `FOR UPDATE SKIP LOCKED`, so two
// hosts claiming at once never wait for each other nor get the same job; `lease_until` is
// computed from the database's clock (`now()`), never a host's; each claim takes a new
// fencing token from a sequence, so a later holder's token is always larger and a host whose
// lease was taken over can be told apart by its stale token (`isHeld`). No session state:
// every statement is unnamed and every transaction stands alone (pgbouncer transaction mode).

import Foundation
import PostgresNIO

/// A held claim on one job: its fencing token and when it ends by the database's clock.
public struct PostgresLease: Sendable, Hashable {
    public var job: String
    public var token: Int64
    /// Seconds left on the lease when the database answered.
    public var secondsLeft: Double
    /// The job was held by another holder whose lease ran out (not released): that holder
    /// may have died in the middle of a vendor call.
    public var tookOver: Bool = false
}

public final class PostgresLeaseProvider: Sendable {
    let session: PostgresSession
    /// Who claims: recorded on the row (`--host` later), for operators reading the table.
    public let holder: String

    private init(session: PostgresSession, holder: String) {
        self.session = session
        self.holder = holder
    }

    /// Connects and brings the schema up to date (the leases table is part of it).
    public static func open(url: PostgresURL, password: String?, holder: String) async throws -> PostgresLeaseProvider {
        let session = PostgresSession(url: url, password: password)
        do {
            try await session.checkReachable(password: password)
            try await PostgresAuditSchema.migrate(session)
            return PostgresLeaseProvider(session: session, holder: holder)
        } catch {
            session.close()
            throw error
        }
    }

    public func close() { session.close() }

    /// Claims at most `limit` of `jobs` that nobody holds (never held, released, or expired),
    /// each for `duration` seconds from the database's now, in one transaction. Jobs another
    /// claimer is claiming at this moment are skipped, not waited for.
    public func claim(_ jobs: [String], limit: Int, duration: Double) async throws -> [PostgresLease] {
        guard !jobs.isEmpty, limit > 0 else { return [] }
        let holder = self.holder
        return try await session.transaction("claiming leases") { connection in
            let logger = PostgresSession.queryLogger
            try await connection.query(
                "INSERT INTO leases (job) SELECT unnest(\(jobs)::text[]) ON CONFLICT (job) DO NOTHING", logger: logger)
            var leases: [PostgresLease] = []
            let rows = try await connection.query(
                """
                WITH free AS (
                    SELECT job, holder IS NOT NULL AS taken FROM leases
                    WHERE job = ANY(\(jobs)) AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY job LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE leases SET holder = \(holder), token = nextval('lease_fencing_tokens'),
                    lease_until = now() + make_interval(secs => \(duration))
                FROM free WHERE leases.job = free.job
                RETURNING leases.job, leases.token, EXTRACT(EPOCH FROM leases.lease_until - now())::float8, free.taken
                """, logger: logger)
            for try await (job, token, left, taken) in rows.decode((String, Int64, Double, Bool).self) {
                leases.append(PostgresLease(job: job, token: token, secondsLeft: left, tookOver: taken))
            }
            return leases.sorted { $0.job < $1.job }
        }
    }

    /// Extends a lease still held (same token, not expired) by `duration` seconds from the
    /// database's now; nil when it was lost — expired or taken over — and must not be used.
    public func renew(_ lease: PostgresLease, duration: Double) async throws -> PostgresLease? {
        try await session.transaction("renewing a lease") { connection in
            let rows = try await connection.query(
                """
                UPDATE leases SET lease_until = now() + make_interval(secs => \(duration))
                WHERE job = \(lease.job) AND token = \(lease.token) AND lease_until >= now()
                RETURNING EXTRACT(EPOCH FROM lease_until - now())::float8
                """, logger: PostgresSession.queryLogger)
            for try await left in rows.decode(Double.self) {
                return PostgresLease(job: lease.job, token: lease.token, secondsLeft: left)
            }
            return nil
        }
    }

    /// Whether `lease` is still the job's current, unexpired claim: the check a stale holder
    /// fails (its token is no longer the row's).
    public func isHeld(_ lease: PostgresLease) async throws -> Bool {
        try await session.connection("checking a lease") { connection in
            let rows = try await connection.query(
                "SELECT COALESCE(token = \(lease.token) AND lease_until >= now(), false) FROM leases WHERE job = \(lease.job)",
                logger: PostgresSession.queryLogger)
            for try await held in rows.decode(Bool.self) { return held }
            return false
        }
    }

    /// Gives the job back (only if this is still the current claim: a stale holder releases
    /// nothing). The token stays on the row, so the next claim's is larger.
    public func release(_ lease: PostgresLease) async throws {
        try await session.transaction("releasing a lease") { connection in
            _ = try await connection.query(
                "UPDATE leases SET holder = NULL, lease_until = NULL WHERE job = \(lease.job) AND token = \(lease.token)",
                logger: PostgresSession.queryLogger)
        }
    }

    /// Records this process as the live holder of its identity (`holder`) for `duration`
    /// seconds, as `instance` (unique per process); false when another live process holds
    /// the same identity (its registration has not run out), which must not run beside it:
    /// two hosts with one name would read each other's leases as their own.
    public func registerHost(instance: String, duration: Double) async throws -> Bool {
        let holder = self.holder
        return try await session.transaction("registering this host") { connection in
            let rows = try await connection.query(
                """
                INSERT INTO hosts (host, instance, alive_until)
                VALUES (\(holder), \(instance), now() + make_interval(secs => \(duration)))
                ON CONFLICT (host) DO UPDATE SET instance = excluded.instance, alive_until = excluded.alive_until
                WHERE hosts.instance = excluded.instance OR hosts.alive_until < now()
                RETURNING host
                """, logger: PostgresSession.queryLogger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    /// Ends this process's registration of its identity (only if it is still `instance`'s).
    public func unregisterHost(instance: String) async throws {
        let holder = self.holder
        try await session.transaction("unregistering this host") { connection in
            _ = try await connection.query(
                "DELETE FROM hosts WHERE host = \(holder) AND instance = \(instance)",
                logger: PostgresSession.queryLogger)
        }
    }
}
