// The audit seams, split as GRDB splits `DatabaseReader` and `DatabaseWriter`: `plan`,
// `audit report` and metrics take an `AuditLogReader` (a read-only open needs no key and
// creates nothing); only rotation, recovery, adopt and baseline take an `AuditLog`.
// `SQLiteAuditLog` and `SQLiteAuditReader` are the production types; a shared PostgreSQL
// log can implement the same two protocols.

import Foundation

/// Reads the log. Every implementation returns events in chain order.
public protocol AuditLogReader: Sendable {
    /// Events in chain order, filtered.
    func events(_ filter: AuditEventFilter) async throws -> [AuditEvent]
    /// In chain order, every job event that can change a job's history: at least each
    /// job's events since its last `done`, and its newest event of each kind. Folding
    /// these gives the same histories as folding the whole log.
    func historyEvents() async throws -> [AuditEvent]
    /// The events `historyEvents()` returns, lent one at a time and never held together:
    /// recovery folds every job's history from the chain on each run this way.
    func forEachHistoryEvent(_ body: (AuditEvent) -> Void) async throws
    /// Every job's state from the per-job state table written by the projection `version`,
    /// or nil when the log keeps none or it is not current (then fold `historyEvents()`).
    func jobStates(version: String) async throws -> [String: Data]?
    /// The jobs whose newest `intent` no later step settled, read from the chain (never
    /// the state table): the jobs recovery must look at even when nothing is spooled.
    func jobsWithOpenIntent() async throws -> Set<String>
}

extension AuditLogReader {
    public func jobStates(version: String) async throws -> [String: Data]? { nil }

    public func forEachHistoryEvent(_ body: (AuditEvent) -> Void) async throws {
        for event in try await historyEvents() { body(event) }
    }

    /// Folded from the history subset, which holds each job's events since its last `done`
    /// and its newest event of each step: enough to tell an intent's last word.
    public func jobsWithOpenIntent() async throws -> Set<String> {
        AuditOpenIntents.fold(try await historyEvents())
    }
}

/// Reads and appends.
public protocol AuditLog: AuditLogReader {
    /// Appends one event durably (committed before it returns) and returns it with its
    /// sequence and hash.
    @discardableResult
    func append(_ event: AuditEvent) async throws -> AuditEvent

    /// Appends events durably in one transaction: all of them or none. A rotation records
    /// its sink-written, hook, verified and done rows this way, so the reload hook does not
    /// wait for one fsync per row.
    @discardableResult
    func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent]
}
