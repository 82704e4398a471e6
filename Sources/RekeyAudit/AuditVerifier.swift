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
    /// `eachEvent` sees every event whose hash checked out, in chain order, in the same pass
    /// (`audit verify` folds the per-job states it compares with the table this way).
    public static func verify(
        databasePath: String, key: AuditKey, headPath: String, eachEvent: ((AuditEvent) -> Void)? = nil
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
        var chain = Chain(key: key, headCount: head?.count)
        // Events are lent on only after `chain.check`: a row whose hash fails has content
        // nobody wrote.
        if let eachEvent {
            try reader.forEachStoredRow { row in
                guard chain.check(row) else { return false }
                eachEvent(row.event)
                return true
            }
        } else {
            try reader.forEachStoredRow { chain.check($0) }
        }
        return chain.result ?? finish(chain, head: head)
    }

    /// Walks the chain one row at a time; `result` is set at the first bad row.
    struct Chain {
        let hasher: ChainHasher
        let headCount: Int64?
        /// The hex hash of the last good row ("" before the first).
        var previousHash: [UInt8] = []
        var expected: Int64 = 1
        var result: VerifyResult?
        /// The stored hash of the event audit.head names.
        var headHash: String?
        /// Reused for every row: the previous hash, then the row's canonical encoding.
        private var message = CanonicalEncodingBuffer(capacity: 1024)
        private var recomputed: [UInt8] = []

        init(key: AuditKey, headCount: Int64?) {
            self.hasher = ChainHasher(key: key)
            self.headCount = headCount
            previousHash.reserveCapacity(64)
            recomputed.reserveCapacity(64)
        }

        /// Checks `row`; false once the chain is broken.
        mutating func check(_ row: StoredAuditRow) -> Bool {
            let sequence = row.sequence
            if sequence != expected {
                result = .bad(
                    sequence: sequence,
                    problem: sequence > expected
                        ? "events \(expected)…\(sequence - 1) are missing (deleted)"
                        : "an event was inserted out of order")
                return false
            }
            if !row.text(.prevHash, equals: previousHash) {
                result = .bad(
                    sequence: sequence,
                    problem: "it does not follow the previous event (inserted, deleted or reordered)")
                return false
            }
            message.removeAll()
            previousHash.withUnsafeBufferPointer { message.append(raw: $0) }
            row.appendCanonicalEncoding(to: &message)
            message.withUnsafeBytes { hasher.hash($0, into: &recomputed) }
            if !row.text(.hash, equals: recomputed) {
                result = .bad(sequence: sequence, problem: "its content was changed after it was written")
                return false
            }
            if sequence == headCount { headHash = String(decoding: recomputed, as: UTF8.self) }
            swap(&previousHash, &recomputed)
            expected += 1
            return true
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
