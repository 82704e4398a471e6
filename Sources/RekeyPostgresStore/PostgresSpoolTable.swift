// The fleet's shared spool table (schema version 3): one row per job and new fingerprint,
// holding a secret sealed by `FleetSpool` (AES-GCM under the fleet's spool key), never a
// secret in clear: this type only moves rows and knows no key. A write is one transaction
// that first sets `SET LOCAL synchronous_commit = on`, so a spooled secret is on disk (and
// on a synchronous standby) when the write returns, whatever the server's default. Rows are
// keyed by job *and* fingerprint, so a late row from a host whose lease was taken over sits
// beside the new holder's instead of over it. Every statement is unnamed and no setting
// outlives its transaction: pgbouncer in transaction mode breaks nothing.

import Foundation
import PostgresNIO

/// One row of the shared spool. `sealed` is AES-GCM ciphertext; nothing here is a secret.
public struct PostgresSpoolRow: Sendable, Hashable {
    public var job: String
    public var fingerprint: String
    /// The fencing token of the lease the secret was issued under.
    public var token: Int64
    /// The host that wrote the row, for an operator reading the table.
    public var host: String
    public var issuedAt: Date
    public var expiry: Date?
    public var credentialID: String?
    /// The sealed secret (AES-GCM's combined form: nonce, ciphertext, tag).
    public var sealed: Data

    public init(
        job: String, fingerprint: String, token: Int64, host: String, issuedAt: Date, expiry: Date?,
        credentialID: String?, sealed: Data
    ) {
        self.job = job
        self.fingerprint = fingerprint
        self.token = token
        self.host = host
        self.issuedAt = issuedAt
        self.expiry = expiry
        self.credentialID = credentialID
        self.sealed = sealed
    }
}

public final class PostgresSpoolTable: Sendable {
    let session: PostgresSession

    public var url: PostgresURL { session.url }

    private init(session: PostgresSession) {
        self.session = session
    }

    /// Connects (failing with the server's own reason, not after a minute of quiet retries)
    /// and brings the schema up to date (the spool table is part of it).
    public static func open(url: PostgresURL, password: String?) async throws -> PostgresSpoolTable {
        let session = PostgresSession(url: url, password: password, maximumConnections: 2)
        do {
            try await session.checkReachable(password: password)
            try await PostgresAuditSchema.migrate(session)
            return PostgresSpoolTable(session: session)
        } catch {
            session.close()
            throw error
        }
    }

    /// Closes the connections. The table must not be used afterwards.
    public func close() { session.close() }

    /// Stores `row` durably: committed with `synchronous_commit = on` before this returns.
    /// Writing the same job and fingerprint again replaces the row (a retried write of one
    /// secret, or an adoption of a key already spooled, is idempotent).
    public func insert(_ row: PostgresSpoolRow) async throws {
        try await session.transaction("writing the shared spool") { connection in
            let logger = PostgresSession.queryLogger
            // The server's (or the database's, or the role's) default may be `off`, which
            // acknowledges a commit before it is on disk: a crash of the server would then
            // lose the only copy of a key the vendor already switched to.
            try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
            try await connection.query(
                """
                INSERT INTO spool (job, fingerprint, token, host, issued_at, expiry, credential_id, sealed)
                VALUES (\(row.job), \(row.fingerprint), \(row.token), \(row.host),
                    \(PostgresAuditRow.millis(row.issuedAt)), \(row.expiry.map(PostgresAuditRow.millis)),
                    \(row.credentialID), \(row.sealed))
                ON CONFLICT (job, fingerprint) DO UPDATE SET token = excluded.token, host = excluded.host,
                    issued_at = excluded.issued_at, expiry = excluded.expiry,
                    credential_id = excluded.credential_id, sealed = excluded.sealed
                """, logger: logger)
        }
    }

    /// Every row, ordered by job, then by fencing token (an older holder's row first).
    public func rows() async throws -> [PostgresSpoolRow] {
        try await select(nil)
    }

    /// The job's rows, ordered by fencing token.
    public func rows(job: String) async throws -> [PostgresSpoolRow] {
        try await select(job)
    }

    private func select(_ job: String?) async throws -> [PostgresSpoolRow] {
        try await session.connection("reading the shared spool") { connection in
            var rows: [PostgresSpoolRow] = []
            let result = try await connection.query(
                """
                SELECT job, fingerprint, token, host, issued_at, expiry, credential_id, sealed
                FROM spool WHERE \(job)::text IS NULL OR job = \(job) ORDER BY job, token, fingerprint
                """, logger: PostgresSession.queryLogger)
            for try await (job, fingerprint, token, host, issuedAt, expiry, credentialID, sealed) in result.decode(
                (String, String, Int64, String, Int64, Int64?, String?, Data).self)
            {
                rows.append(
                    PostgresSpoolRow(
                        job: job, fingerprint: fingerprint, token: token, host: host, issuedAt: Self.date(issuedAt),
                        expiry: expiry.map(Self.date), credentialID: credentialID, sealed: sealed))
            }
            return rows
        }
    }

    /// Deletes the job's row of the secret with `fingerprint` and no other.
    public func delete(job: String, fingerprint: String) async throws {
        try await session.connection("removing a shared spool entry") { connection in
            _ = try await connection.query(
                "DELETE FROM spool WHERE job = \(job) AND fingerprint = \(fingerprint)",
                logger: PostgresSession.queryLogger)
        }
    }

    /// Deletes every row of the job (an operator's cleanup). `FleetSpool` removes by
    /// fingerprint instead, so a row another host writes meanwhile is never swept away.
    public func delete(job: String) async throws {
        try await session.connection("removing the shared spool entries of a job") { connection in
            _ = try await connection.query("DELETE FROM spool WHERE job = \(job)", logger: PostgresSession.queryLogger)
        }
    }

    /// Throws, with the server's or the client's reason, when a pooled connection cannot run
    /// a statement now: the check before a vendor call that the secret will have a place.
    public func checkReachable() async throws {
        try await session.connection("reaching the shared spool") { connection in
            for try await _ in try await connection.query("SELECT 1", logger: PostgresSession.queryLogger).decode(
                Int.self)
            {
            }
        }
    }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
