// Every job's history: the per-job state table when the log keeps a current one, else
// folded from the events the reader returns. The scheduler and the report start here;
// recovery decides from the chain itself, never from this.

import RekeyAudit

extension AuditLogReader {
    /// The folded history of every job that has events.
    public func histories() async throws -> [String: JobHistory] {
        if let states = try await jobStates(version: JobHistoryProjection.version) {
            // A row that cannot be decoded is not trusted: fold the chain instead.
            if let histories = try? states.mapValues(JobHistoryProjection.decode) { return histories }
        }
        return try await historiesFromChain()
    }

    /// Every job's history folded from the chain itself, never the state table: what
    /// recovery decides from (what a spool entry is, whether an intent is open).
    public func historiesFromChain() async throws -> [String: JobHistory] {
        var histories = JobHistory.Histories()
        try await forEachHistoryEvent { histories.apply($0) }
        return histories.byJob
    }

    /// One job's history folded from its own events in the chain: what a fleet host reads
    /// right after claiming the job, since another host may have rotated it after this run
    /// read every history.
    public func historyFromChain(of job: String) async throws -> JobHistory {
        var history = JobHistory()
        for event in try await events(AuditEventFilter(jobs: [job])) { history.apply(event) }
        return history
    }
}
