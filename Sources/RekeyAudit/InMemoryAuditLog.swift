// An audit log held in memory: the empty log of a fresh install for read-only commands,
// and the log of unit tests. Appends are sequenced but not chained (no key).

import Foundation

public actor InMemoryAuditLog: AuditLog {
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

    @discardableResult
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] { events.map(appendSync) }

    public func historyEvents() async throws -> [AuditEvent] { stored.filter { $0.job != nil } }

    public func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] {
        let matching = stored.filter(filter.matches)
        if let limit = filter.limit { return Array(matching.suffix(limit)) }
        return matching
    }
}
