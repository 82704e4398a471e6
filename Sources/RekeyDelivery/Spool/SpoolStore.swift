// The spool seam: where a newly issued secret waits, durably, until every sink has it.
// `LocalSpool` (files in the state directory) is the production type; a shared store
// can keep the spool in the same transaction as the audit log's `issued` row.

import RekeyModel

public protocol SpoolStore: Sendable {
    /// Stores `secret` durably (it survives a crash the moment this returns), replacing
    /// any earlier entry of the same job.
    func write(_ secret: SpooledSecret) async throws
    /// Every entry, oldest job name first.
    func all() throws -> [SpooledSecret]
    /// Removes the job's entry (best effort: a leftover entry is recovered, never lost).
    func remove(job: String) async
}
