// The audit seam. The SQLite store is the production type; `InMemoryAuditStore`
// serves `plan` tests and dry runs. Kept behind a protocol so a shared PostgreSQL
// store can replace SQLite when rekey scales out.

import Foundation

public protocol AuditStore: Sendable {
    /// Appends one event durably (committed before it returns) and returns it with
    /// its sequence and hash.
    @discardableResult
    func append(_ event: AuditEvent) async throws -> AuditEvent
    /// The folded history of every job that has events.
    func histories() async throws -> [String: JobHistory]
    /// Events in chain order, filtered.
    func events(_ filter: AuditEventFilter) async throws -> [AuditEvent]
}

public struct AuditEventFilter: Sendable, Hashable {
    public var since: Date?
    public var until: Date?
    public var jobs: Set<String>?
    public var tenant: String?
    public var env: String?
    /// Only these steps (nil: all).
    public var steps: Set<AuditStep>?
    public var limit: Int?

    public init(
        since: Date? = nil, until: Date? = nil, jobs: Set<String>? = nil, tenant: String? = nil, env: String? = nil,
        limit: Int? = nil
    ) {
        self.since = since
        self.until = until
        self.jobs = jobs
        self.tenant = tenant
        self.env = env
        self.limit = limit
    }

    public func matches(_ event: AuditEvent) -> Bool {
        if let since, event.time < since { return false }
        if let until, event.time > until { return false }
        if let jobs, !jobs.contains(event.job ?? "") { return false }
        if let tenant, event.tenant != tenant { return false }
        if let env, event.env != env { return false }
        if let steps, !steps.contains(event.step) { return false }
        return true
    }
}

public actor InMemoryAuditStore: AuditStore {
    private var stored: [AuditEvent] = []

    public init(events: [AuditEvent] = []) {
        stored = events.enumerated().map { index, event in
            var event = event
            event.sequence = Int64(index + 1)
            return event
        }
    }

    private func appendSync(_ event: AuditEvent) -> AuditEvent {
        var event = event
        event.sequence = Int64(stored.count + 1)
        stored.append(event)
        return event
    }

    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEvent { appendSync(event) }

    public func histories() async throws -> [String: JobHistory] { JobHistory.fold(stored) }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] {
        let matching = stored.filter(filter.matches)
        if let limit = filter.limit { return Array(matching.suffix(limit)) }
        return matching
    }
}
