// The spool seam: where a newly issued secret waits, durably, until every sink has it.
// `LocalSpool` (files in the state directory) is the production type; a shared store
// can keep the spool in the same transaction as the audit log's `issued` row.

import RekeyModel

public protocol SpoolStore: Sendable {
    /// Why the spool cannot take a new entry right now (a full disk, no inodes, a read-only
    /// mount), or nil: checked before any vendor call, so a new secret always has a place.
    func preflight() async -> String?
    /// Stores `secret` durably (it survives a crash the moment this returns), replacing
    /// any earlier entry of the same job.
    func write(_ secret: SpooledSecret) async throws
    /// Every entry (by job name) and every entry that cannot be read; one bad entry never
    /// hides the others.
    func all() async throws -> SpoolContents
    /// `all()` of one job: its entry, or why it cannot be read.
    func entries(of job: String) async throws -> SpoolContents
    /// Removes the job's entry (best effort: a leftover entry is recovered, never lost).
    func remove(job: String) async
    /// Removes the job's entry of the secret with `fingerprint` and no other: a shared spool
    /// can hold a second entry, written late by a host whose lease was taken over.
    func remove(job: String, fingerprint: String) async
    /// After an operator adopted the secret with `fingerprint` as the job's key and it was
    /// delivered: removes every other secret spooled for the job. They are superseded (the
    /// operator named the key the vendor holds), and while two of them were kept the job
    /// needed recovery on every run.
    func removeSuperseded(job: String, keeping fingerprint: String) async
}

extension SpoolStore {
    public func entries(of job: String) async throws -> SpoolContents {
        var contents = try await all()
        contents.entries.removeAll { $0.job != job }
        contents.unreadable.removeAll { $0.job != job }
        return contents
    }

    /// One host's spool holds one entry per job.
    public func remove(job: String, fingerprint: String) async { await remove(job: job) }

    /// One host's spool holds one entry per job: the adopted secret replaced it.
    public func removeSuperseded(job: String, keeping fingerprint: String) async {
        for entry in (try? await entries(of: job))?.entries ?? [] where entry.fingerprint != fingerprint {
            await remove(job: job, fingerprint: entry.fingerprint)
        }
    }
}

/// What the spool holds.
public struct SpoolContents: Sendable {
    public var entries: [SpooledSecret]
    /// Entries that cannot be decoded, by job name: each was set aside (renamed, never
    /// deleted) for an operator, with the reason.
    public var unreadable: [(job: String, problem: String)]

    public init(entries: [SpooledSecret] = [], unreadable: [(job: String, problem: String)] = []) {
        self.entries = entries
        self.unreadable = unreadable
    }
}
