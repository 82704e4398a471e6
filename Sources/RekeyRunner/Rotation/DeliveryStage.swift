// Stage 4: write the spooled secret to every sink, each atomically and durably. After
// issuance there is no rollback: a failed sink leaves the spool in place, and the next
// run (or `rekey recover`) delivers it — roll forward, never back. A remote sink (Vault
// KV, AWS Secrets Manager) is retried with the job's retry policy when the store did not
// answer, and read back and compared by fingerprint before it counts as written.

import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyVendor

/// A secret every sink of its job now holds (the spool still keeps it until `done`).
struct DeliveredSecret: Sendable {
    var spooled: SpooledSecret
}

struct DeliveryStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    /// Writes every sink of `sinks` (default: all the job's; a `hosts:` job's `HostShare`
    /// names this host's); `rows` gets a `sink-written` row for each sink written (the caller
    /// commits them, whatever the result).
    func deliver(_ spooled: SpooledSecret, to sinks: [SinkSpec]? = nil, rows: inout [AuditEvent]) async
        -> Result<DeliveredSecret, RotationReason>
    {
        let job = journal.job
        var failures: [String] = []
        for sink in sinks ?? job.sinks {
            do {
                if sink.kind.isRemote {
                    try await deliverRemote(spooled, to: sink)
                } else {
                    try await environment.sinks.deliver(spooled, to: sink)
                }
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

    /// Writes, retrying a store that did not answer (the job's retry policy), then reads the
    /// value back: it counts as written only when its fingerprint is the spooled one.
    func deliverRemote(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        let settings = journal.job.policy.retry
        let policy = RetryPolicy(settings: settings, random: environment.random)
        var attempt = 1
        while true {
            do {
                try await environment.sinks.deliver(spooled, to: sink)
                break
            } catch .remote(let failure) where failure.isTransient && attempt < settings.attempts {
                guard environment.stopRequested() == nil else { throw .remote(failure) }
                try? await environment.clock.sleep(for: policy.delay(afterAttempt: attempt, retryAfterSeconds: nil))
                attempt += 1
            }
        }
        let stored = try await environment.sinks.read(sink)
        guard environment.fingerprint(stored) == spooled.fingerprint else {
            throw .remote(
                RemoteSinkFailure(
                    store: sink.path, kind: .readBackMismatch,
                    detail:
                        "read back after the write, it holds another value (fingerprint \(environment.fingerprint(stored)), expected \(spooled.fingerprint))"
                ))
        }
    }
}
