// Every job's history, folded from the events a reader returns. The scheduler, the
// report and recovery all start here.

import RekeyAudit

extension AuditLogReader {
    /// The folded history of every job that has events.
    public func histories() async throws -> [String: JobHistory] {
        JobHistory.fold(try await historyEvents())
    }
}
