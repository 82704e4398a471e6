// The events `JobHistory.fold` needs, not the whole log, as one SQL text both stores run
// (SQLite and PostgreSQL spell it alike): everything since each job's last `done`, plus,
// before that, the last event of each step with and without a fingerprint, an expiry, an
// exit code and a probe configuration (the fold only ever keeps the latest of those).
// Folding this subset gives the same history as folding every event (`AuditLogContractTests`).

package enum AuditHistorySubset {
    /// The subset's rows in chain order, each as `columns` (a select list of `events`).
    package static func query(selecting columns: String) -> String {
        """
        WITH last_done AS (
            SELECT job, MAX(seq) AS seq FROM events WHERE step = 'done' AND job IS NOT NULL GROUP BY job
        ),
        picked AS (
            SELECT e.seq FROM events e LEFT JOIN last_done d ON d.job = e.job
                WHERE e.job IS NOT NULL AND e.seq >= COALESCE(d.seq, 0)
            UNION SELECT MAX(seq) FROM events WHERE job IS NOT NULL
                GROUP BY job, step, new_fp IS NULL, expiry IS NULL, exit_code IS NULL, probe_config IS NULL
        )
        SELECT \(columns) FROM events WHERE seq IN (SELECT seq FROM picked) ORDER BY seq
        """
    }
}
