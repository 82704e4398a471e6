// The PostgreSQL audit schema and its versioned migrations. The `events` table has the
// SQLite table's columns under the same names (the canonical form names them), times as
// milliseconds since 1970 like SQLite's, so both stores hash a row to the same bytes. Beside
// it: `chain_head`, the one row every append locks (`SELECT … FOR UPDATE`) to serialise the
// chain across hosts, with a MAC under the audit key; the per-job state table; and
// `schema_version`, which the migrations advance one step at a time.

import Foundation
import PostgresNIO

enum PostgresAuditSchema {
    /// The migrations, in order: version N is the N-th. Applied in one transaction per open
    /// that needs them, under a transaction-scoped advisory lock (never a session one, which a
    /// pooler in transaction mode would leak), so two hosts opening a new database at once
    /// do not both create it.
    /// Each migration is a list of statements: the extended protocol postgres-nio speaks
    /// (unnamed statements, safe behind pgbouncer) takes one statement per query.
    static let migrations: [[String]] = [
        // 1: the events, append-only; the chain head; the per-job state table.
        [
            """
            CREATE TABLE events (
                seq bigint PRIMARY KEY,
                time bigint NOT NULL,
                run text NOT NULL,
                step text NOT NULL,
                job text, tenant text, env text, provider text,
                attempt bigint, http_status bigint, vendor_error_name text, vendor_error_id text,
                latency_ms bigint, old_fp text, new_fp text, expiry bigint,
                trigger text, "user" text, host text, pid bigint, version text, exit_code bigint,
                message text,
                prev_hash text NOT NULL,
                hash text NOT NULL,
                probe_config text
            )
            """,
            "CREATE INDEX events_job_step ON events (job, step, seq)",
            "CREATE INDEX events_time ON events (time)",
            "CREATE INDEX events_failures ON events (seq) WHERE step IN ('failed', 'needs-recovery')",
            """
            CREATE FUNCTION rekey_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
            """,
            """
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
                FOR EACH ROW EXECUTE FUNCTION rekey_events_append_only()
            """,
            """
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                FOR EACH STATEMENT EXECUTE FUNCTION rekey_events_append_only()
            """,
            "CREATE TABLE chain_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL, mac text)",
            "INSERT INTO chain_head (id, seq, hash, mac) VALUES (1, 0, '', NULL)",
            "CREATE TABLE job_state (job text PRIMARY KEY, seq bigint NOT NULL, state bytea NOT NULL)",
            "CREATE TABLE projection (id integer PRIMARY KEY CHECK (id = 1), version text NOT NULL, seq bigint NOT NULL)",
        ],
        // 2: leases (`PostgresLeaseProvider`): one row per job ever claimed; the fencing
        // tokens come from a sequence, which never hands out a number twice or goes back.
        [
            "CREATE SEQUENCE lease_fencing_tokens",
            """
            CREATE TABLE leases (
                job text PRIMARY KEY,
                holder text,
                token bigint NOT NULL DEFAULT 0,
                lease_until timestamptz
            )
            """,
        ],
        // 3: the shared spool (`PostgresSpoolTable`): a new secret sealed with AES-GCM under
        // the fleet's spool key, one row per job and fingerprint, so a late row from a host
        // whose lease was taken over sits beside the new holder's instead of over it; and
        // the live host identities (`PostgresLeaseProvider.registerHost`), so two processes
        // with one identity are told apart and the second refused.
        [
            """
            CREATE TABLE spool (
                job text NOT NULL,
                fingerprint text NOT NULL,
                token bigint NOT NULL,
                host text NOT NULL,
                issued_at bigint NOT NULL,
                expiry bigint,
                credential_id text,
                sealed bytea NOT NULL,
                PRIMARY KEY (job, fingerprint)
            )
            """,
            """
            CREATE TABLE hosts (
                host text PRIMARY KEY,
                instance text NOT NULL,
                alive_until timestamptz NOT NULL
            )
            """,
        ],
    ]

    static var currentVersion: Int { migrations.count }

    /// An arbitrary constant naming rekey's migration lock among the database's advisory locks.
    static let migrationLock: Int64 = 0x7265_6b65_7900_0001

    /// Brings the schema to `currentVersion`; refuses one newer than that.
    static func migrate(_ session: PostgresSession) async throws {
        let url = session.url
        try await session.transaction("creating the audit schema") { connection in
            let logger = PostgresSession.queryLogger
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)",
                logger: logger)
            var found = 0
            for try await version in try await connection.query(
                "SELECT version FROM schema_version WHERE id = 1", logger: logger
            ).decode(Int.self) {
                found = version
            }
            if found > currentVersion {
                throw PostgresStoreError.schemaTooNew(url, found: found, known: currentVersion)
            }
            for migration in migrations.dropFirst(found) {
                for statement in migration {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            if found < currentVersion {
                try await connection.query(
                    """
                    INSERT INTO schema_version (id, version) VALUES (1, \(currentVersion))
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version
                    """, logger: logger)
            }
        }
    }

    /// The schema version of an existing database, or nil when it holds no rekey schema (a
    /// reader creates nothing).
    static func version(_ session: PostgresSession) async throws -> Int? {
        try await session.connection("reading the schema version") { connection in
            let logger = PostgresSession.queryLogger
            var exists = false
            for try await found in try await connection.query(
                "SELECT to_regclass('schema_version') IS NOT NULL", logger: logger
            ).decode(Bool.self) {
                exists = found
            }
            guard exists else { return nil }
            var version: Int?
            for try await found in try await connection.query(
                "SELECT version FROM schema_version WHERE id = 1", logger: logger
            ).decode(Int.self) {
                version = found
            }
            return version
        }
    }
}
