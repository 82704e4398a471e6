// `rekey audit verify`: recompute the hash chain and compare its end with audit.head.
//
// It catches a changed, deleted, inserted or reordered row and a truncated log. It
// cannot catch someone who holds the audit key (they can rewrite every row and the
// head consistently), nor a deletion of the database, the head file and the key together.
//
// Rows are streamed and encoded straight from SQLite's column bytes into one reused buffer
// (`StoredAuditRow`): a million-row log is checked without building a million events.

import Foundation

public enum VerifyResult: Sendable, Hashable, CustomStringConvertible {
    case ok(count: Int64)
    case bad(sequence: Int64?, problem: String)

    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .ok(let count): "OK: \(count) events"
        case .bad(let sequence?, let problem): "FAILED at event \(sequence): \(problem)"
        case .bad(nil, let problem): "FAILED: \(problem)"
        }
    }
}

public enum AuditVerifier {
    /// `eachEvent` sees every event whose row checked out, in chain order, on another
    /// thread, while the chain is checked (`audit verify` folds the per-job states it
    /// compares with the table this way); each without `prevHash` and `hash`. When the
    /// result is not OK it may have seen events past the bad row: drop what it saw.
    public static func verify(
        databasePath: String, key: AuditKey, headPath: String, eachEvent: (@Sendable (AuditEvent) -> Void)? = nil
    ) throws -> VerifyResult {
        let reader = try SQLiteAuditReader(path: databasePath)
        let head: AuditHead?
        switch AuditHead.read(from: headPath, key: key) {
        case .missing: head = nil
        case .authentic(let authentic): head = authentic
        case .unauthenticated:
            return .bad(
                sequence: nil,
                problem:
                    "audit.head carries no MAC (written by hand, or by a rekey before heads were signed): the log cannot be checked for truncation. If you upgraded, the next `rekey run` checks the head against the log and signs it"
            )
        case .forged:
            return .bad(
                sequence: nil,
                problem: "audit.head is not signed by this audit key (edited by hand, or the key was replaced)")
        }
        // This thread reads, links and encodes the rows; `content` recomputes their MACs
        // (and lends their events) on another.
        var chain = Chain(headCount: head?.count)
        let content = ChainContentCheck(key: key, eachEvent: eachEvent)
        try reader.forEachStoredRow { row in
            guard chain.link(row) else { return false }
            // Linked: the row's `prev_hash` is `chain.previousHash`, what its MAC starts with.
            content.add(row, previousHash: chain.previousHash)
            chain.follow(row)
            return content.failedSequence == nil
        }
        content.finish()
        // The first bad row decides; on one row, a broken link before a changed content
        // (the order a single pass checks them in).
        if let changed = content.failedSequence, chain.result.map({ changed < $0.sequence }) ?? true {
            return .bad(sequence: changed, problem: "its content was changed after it was written")
        }
        return chain.result.map { VerifyResult.bad(sequence: $0.sequence, problem: $0.problem) }
            ?? finish(chain, head: head)
    }

    /// The links of the chain, row by row: each row's sequence is the next one and its
    /// `prev_hash` is the hash the row before stores (that each stored hash is its row's MAC
    /// is `ChainContentCheck`'s part). `result` is set at the first broken link.
    struct Chain {
        let headCount: Int64?
        /// The stored hash of the last linked row ("" before the first).
        private(set) var previousHash: [UInt8] = []
        var expected: Int64 = 1
        var result: (sequence: Int64, problem: String)?
        /// The stored hash of the event audit.head names.
        var headHash: String?

        init(headCount: Int64?) {
            self.headCount = headCount
            previousHash.reserveCapacity(64)
        }

        /// Checks `row`'s place in the chain; false once it is broken.
        mutating func link(_ row: StoredAuditRow) -> Bool {
            let sequence = row.sequence
            if sequence != expected {
                result = (
                    sequence,
                    sequence > expected
                        ? "events \(expected)…\(sequence - 1) are missing (deleted)"
                        : "an event was inserted out of order"
                )
                return false
            }
            if !row.text(.prevHash, equals: previousHash) {
                result = (sequence, "it does not follow the previous event (inserted, deleted or reordered)")
                return false
            }
            return true
        }

        /// Moves past `row`, linked: the next row must follow its stored hash.
        mutating func follow(_ row: StoredAuditRow) {
            previousHash.removeAll(keepingCapacity: true)
            if let stored = row.text(.hash) { previousHash.append(contentsOf: stored) }
            if row.sequence == headCount { headHash = String(decoding: previousHash, as: UTF8.self) }
            expected += 1
        }
    }

    static func finish(_ chain: Chain, head: AuditHead?) -> VerifyResult {
        let count = chain.expected - 1
        guard let head else {
            return count == 0
                ? .ok(count: 0)
                : .bad(sequence: nil, problem: "audit.head is missing: the log cannot be checked for truncation")
        }
        if count < head.count {
            return .bad(
                sequence: count + 1,
                problem: "the log is truncated: audit.head records \(head.count) events, the database has \(count)")
        }
        // A crash between a commit and the head write leaves the head behind: accept that,
        // but the event the head names must be the one in the database.
        if let named = chain.headHash, named != head.hash {
            return .bad(sequence: head.count, problem: "it differs from the one audit.head recorded (rewritten log)")
        }
        return .ok(count: count)
    }
}
