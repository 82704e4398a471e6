// State derived from the chain and kept beside it: the per-job state table. A log opened
// with a projection updates each job's row in the same transaction as the events that
// change it, so a cron tick reads one row per job instead of folding history. The table
// is not chained: `audit verify` folds the chain again and compares, and recovery never
// decides from it. The audit layer stores the state as opaque bytes; the fold itself
// (`JobHistory`) lives above it.

import Foundation

public protocol AuditProjection: Sendable {
    /// Names the fold and its encoding. A table written by another version is rebuilt from
    /// the chain when a log opens for appending, and ignored by readers until then.
    var version: String { get }

    /// The job's state after `events` (its own, in chain order), from its stored state
    /// (nil: the job has none yet).
    func apply(_ events: [AuditEvent], to stored: Data?) throws -> Data

    /// Every job's state folded from the whole chain, streamed in chain order.
    func rebuild(_ forEachEvent: ((AuditEvent) -> Void) throws -> Void) throws -> [String: Data]
}

/// A batch's events by job, the jobs in the order they first appear: what each store folds
/// into its state table in the transaction that appends the batch.
package struct EventsByJob: Sendable {
    package private(set) var jobs: [String] = []
    package private(set) var events: [String: [AuditEvent]] = [:]

    /// Events of no job (run rows) belong to no state row.
    package init(_ batch: [AuditEvent]) {
        for event in batch {
            guard let job = event.job else { continue }
            if events[job] == nil { jobs.append(job) }
            events[job, default: []].append(event)
        }
    }
}
