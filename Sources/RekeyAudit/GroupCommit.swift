// Group commit for an audit log: appends that arrive while a commit is in progress are
// committed together in the next one. Every caller still waits for its own events to be
// durable (and gets them back chained), but concurrent jobs share one transaction and one
// fsync instead of queueing for one each — on PostgreSQL, where every host's appends also
// queue on the chain-head row lock, the lock is taken once per batch. One failed commit
// fails every append of its batch, none of which was written.

import Synchronization

public final class GroupCommit: Sendable {
    private struct Queue {
        var pending: [([AuditEvent], CheckedContinuation<[AuditEvent], any Error>)] = []
        var flushing = false
    }

    private let queue = Mutex(Queue())

    public init() {}

    /// Commits `events` with whatever else is pending through `commit` (which chains and
    /// writes a batch in one transaction and returns it stored, in order); returns `events`
    /// as stored, once durable. The first caller to find no commit running runs the
    /// commits, with its own `commit`.
    public func append(
        _ events: [AuditEvent], commit: @escaping @Sendable ([AuditEvent]) async throws -> [AuditEvent]
    ) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let startFlusher = queue.withLock { queue in
                queue.pending.append((events, continuation))
                guard !queue.flushing else { return false }
                queue.flushing = true
                return true
            }
            if startFlusher { Task { await self.flushPending(commit) } }
        }
    }

    private func flushPending(_ commit: @Sendable ([AuditEvent]) async throws -> [AuditEvent]) async {
        while true {
            let batch = queue.withLock { queue in
                let batch = queue.pending
                queue.pending = []
                if batch.isEmpty { queue.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                var stored = try await commit(batch.flatMap(\.0))[...]
                for (events, continuation) in batch {
                    continuation.resume(returning: Array(stored.prefix(events.count)))
                    stored = stored.dropFirst(events.count)
                }
            } catch {
                for item in batch { item.1.resume(throwing: error) }
            }
        }
    }
}
