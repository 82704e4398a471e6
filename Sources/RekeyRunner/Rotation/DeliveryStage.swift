// Stage 4: write the spooled secret to every sink, each atomically and durably. After
// issuance there is no rollback: a failed sink leaves the spool in place, and the next
// run (or `rekey recover`) delivers it — roll forward, never back.

import RekeyAudit
import RekeyDelivery
import RekeyModel

/// A secret every sink of its job now holds (the spool still keeps it until `done`).
struct DeliveredSecret: Sendable {
    var spooled: SpooledSecret
}

struct DeliveryStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    /// Writes every sink; `rows` gets a `sink-written` row for each sink written (the caller
    /// commits them, whatever the result).
    func deliver(_ spooled: SpooledSecret, rows: inout [AuditEvent]) async -> Result<DeliveredSecret, RotationReason> {
        let job = journal.job
        var failures: [String] = []
        for sink in job.sinks {
            do {
                try await environment.sinks.write(spooled.secret, to: sink)
                rows.append(journal.sinkWrittenRow(sink, fingerprint: spooled.fingerprint))
            } catch let error where error.needsRecovery {
                return .failure(.sinkCannotCarry(job: job.name, sinkID: sink.id, error))
            } catch {
                failures.append("sink '\(sink.id)': \(error)")
            }
        }
        guard failures.isEmpty else { return .failure(.notDeliveredEverywhere(failures)) }
        return .success(DeliveredSecret(spooled: spooled))
    }
}
