// `rekey audit verify` against the PostgreSQL log: the chain recomputed event by event
// (`AuditChainWalk`, the same canonical form and HMAC as SQLite's verifier), then its end
// compared with the chain-head row (signed with the audit key) and with this host's own
// highest head. It catches a changed, deleted, inserted or reordered event, the newest events
// deleted, and — on a host that saw them — the newest events deleted with an older head
// restored. Like SQLite's, it cannot catch someone who holds the key rewriting everything.

import Foundation
import PostgresNIO
import RekeyAudit

public enum PostgresAuditVerifier {
    /// Events are read in pages: a long log is neither held in memory at once nor read in
    /// one long transaction that would hold back vacuum on a busy database.
    static let pageSize = 5000

    /// Verifies the chain up to the head it reads first (events appended meanwhile are left
    /// for the next verify). `eachEvent` sees every event whose hash checked out, in order.
    public static func verify(
        _ log: PostgresAuditLog, key: AuditKey, localHeadPath: String?, eachEvent: (AuditEvent) -> Void = { _ in }
    ) async throws -> VerifyResult {
        guard log.hasLog else { return .ok(count: 0) }
        let session = log.session
        let stored = try await session.connection("reading the chain head") { connection in
            var head: (Int64, String, String?)?
            for try await row in try await connection.query(
                "SELECT seq, hash, mac FROM chain_head WHERE id = 1", logger: PostgresSession.queryLogger
            ).decode((Int64, String, String?).self) {
                head = row
            }
            return head
        }
        guard let stored else { return .bad(sequence: nil, problem: "the chain-head row is missing (deleted)") }
        let (count, hash, mac) = stored
        let head = AuditHead(count: count, hash: hash)
        if count > 0, mac != key.authenticationCode(for: head) {
            return .bad(
                sequence: nil,
                problem:
                    "the chain-head row is not signed by this fleet key (edited by hand, or fleet.key is not the one that wrote the log)"
            )
        }
        var local: AuditHead?
        if let localHeadPath {
            switch AuditHead.load(from: localHeadPath, key: key) {
            case .missing: break
            case .authentic(let kept): local = kept
            case .unauthenticated, .forged:
                return .bad(
                    sequence: nil,
                    problem:
                        "\(localHeadPath), the highest chain head this host has seen, is not signed by this fleet key (edited by hand, or fleet.key was replaced)"
                )
            }
        }
        var walk = AuditChainWalk(key: key, remember: Set([count] + (local.map { [$0.count] } ?? [])))
        var after: Int64 = 0
        while after < count {
            let from = after
            let page = try await session.connection("reading events") { connection in
                var rows: [Result<AuditEvent, PostgresAuditRow.Unreadable>] = []
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: PostgresAuditRow.columns) FROM events
                    WHERE seq > \(from) AND seq <= \(count) ORDER BY seq LIMIT \(pageSize)
                    """, logger: PostgresSession.queryLogger)
                {
                    do {
                        rows.append(.success(try PostgresAuditRow.event(from: row)))
                    } catch let unreadable as PostgresAuditRow.Unreadable {
                        rows.append(.failure(unreadable))
                    }
                }
                return rows
            }
            guard !page.isEmpty else { break }
            for row in page {
                switch row {
                case .success(let event):
                    guard walk.check(event) else { return walk.result ?? .bad(sequence: nil, problem: "broken") }
                    eachEvent(event)
                    after = event.sequence ?? after
                case .failure(let unreadable):
                    walk.reject(
                        sequence: unreadable.sequence,
                        problem: "its content was changed after it was written (\(unreadable.why))")
                    return walk.result ?? .bad(sequence: unreadable.sequence, problem: unreadable.why)
                }
            }
        }
        if walk.count < count {
            return .bad(
                sequence: walk.count + 1,
                problem: "the log is truncated: its chain head records \(count) events, the database has \(walk.count)")
        }
        if count > 0, walk.remembered[count] != hash {
            return .bad(sequence: count, problem: "it differs from the one the chain head records (rewritten log)")
        }
        if let local {
            if count < local.count {
                return .bad(
                    sequence: count + 1,
                    problem:
                        "the log is truncated: this host has seen \(local.count) events, the database has \(count) (events deleted and an older chain head restored)"
                )
            }
            if local.count > 0, walk.remembered[local.count] != local.hash {
                return .bad(
                    sequence: local.count, problem: "it differs from the one this host saw (rewritten log)")
            }
        }
        return .ok(count: count)
    }
}
