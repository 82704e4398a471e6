// The jobs whose newest `intent` no later step settled (`AuditStep.settlesIntent`): what
// recovery probes before anything else, read from the chain itself on every run. One SQL
// text both stores run, instead of folding every job's history to find the few (usually
// none) with an intent left open: over 10,000 baselined jobs that fold was a sixth of a
// cron tick with nothing due. `AuditLogContractTests` checks it against the fold.

package enum AuditOpenIntents {
    /// One column, `job`: each job with an open intent, once.
    package static let query = """
        SELECT i.job FROM (
            SELECT job, MAX(seq) AS seq FROM events WHERE step = 'intent' AND job IS NOT NULL GROUP BY job
        ) AS i
        WHERE NOT EXISTS (
            SELECT 1 FROM events s WHERE s.job = i.job AND s.seq > i.seq
                AND s.step IN (\(AuditStep.settlesIntent.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")))
        )
        """

    /// The same answer folded from events in chain order: for a log without SQL.
    package static func fold(_ events: some Sequence<AuditEvent>) -> Set<String> {
        var open: Set<String> = []
        for event in events {
            guard let job = event.job else { continue }
            if event.step == .intent {
                open.insert(job)
            } else if AuditStep.settlesIntent.contains(event.step) {
                open.remove(job)
            }
        }
        return open
    }
}
