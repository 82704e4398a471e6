// The hash chain's two halves for a store outside this module (the PostgreSQL log in
// RekeyPostgresStore): linking an event after the previous one when appending, and walking
// a stored chain back when verifying. The canonical form and HMAC are this module's own
// (`AuditEvent+Canonical`, `AuditKey.chainHash`), so both stores chain byte for byte alike;
// only the storage differs.

import Foundation

extension AuditKey {
    /// `event` as the chain stores it at `sequence` after `previousHash`: times rounded to the
    /// stored milliseconds (so the event returned is the event read back), linked and hashed.
    public func link(_ event: AuditEvent, sequence: Int64, previousHash: String) -> AuditEvent {
        var row = event
        row.sequence = sequence
        row.time = Date(timeIntervalSince1970: Double(AuditSchema.millis(event.time)) / 1000)
        row.expiry = row.expiry.map { Date(timeIntervalSince1970: Double(AuditSchema.millis($0)) / 1000) }
        row.prevHash = previousHash
        row.hash = chainHash(previous: previousHash, canonical: row.canonicalEncoding)
        return row
    }

    /// The MAC a store keeps beside its chain head (the same as `audit.head`'s), so a head
    /// edited without the key is caught.
    public func authenticationCode(for head: AuditHead) -> String {
        headMAC(count: head.count, hash: head.hash)
    }
}

extension AuditHead {
    /// Writes the head to `path`, authenticated with `key` (as `SQLiteAuditLog` does after a commit).
    public func save(to path: String, key: AuditKey) { write(to: path, key: key) }

    /// Reads the head at `path`, checking its MAC against `key`.
    public static func load(from path: String, key: AuditKey) -> Reading { read(from: path, key: key) }
}

/// Checks a stored chain one event at a time, in chain order: sequence, link and hash, as
/// `AuditVerifier` does for SQLite. `result` is set at the first bad event.
public struct AuditChainWalk {
    let key: AuditKey
    /// The hash of the last good event ("" before the first).
    public private(set) var previousHash = ""
    /// The next sequence expected.
    public private(set) var expected: Int64 = 1
    public private(set) var result: VerifyResult?
    /// The hashes of the events at the sequences asked for (`remember`), once checked.
    public private(set) var remembered: [Int64: String] = [:]
    private let remember: Set<Int64>

    public init(key: AuditKey, remember: Set<Int64> = []) {
        self.key = key
        self.remember = remember
    }

    /// The number of events checked good so far.
    public var count: Int64 { expected - 1 }

    /// Checks `event` (read back from the store); false once the chain is broken.
    public mutating func check(_ event: AuditEvent) -> Bool {
        guard result == nil else { return false }
        let sequence = event.sequence ?? 0
        if sequence != expected {
            fail(
                sequence,
                sequence > expected
                    ? "events \(expected)…\(sequence - 1) are missing (deleted)" : "an event was inserted out of order")
            return false
        }
        if event.prevHash != previousHash {
            fail(sequence, "it does not follow the previous event (inserted, deleted or reordered)")
            return false
        }
        let recomputed = key.chainHash(previous: previousHash, canonical: event.canonicalEncoding)
        if event.hash != recomputed {
            fail(sequence, "its content was changed after it was written")
            return false
        }
        if remember.contains(sequence) { remembered[sequence] = recomputed }
        previousHash = recomputed
        expected += 1
        return true
    }

    /// Records a stored row the store could not even read as an event (a step name rekey
    /// never writes, say): its content was changed.
    public mutating func reject(sequence: Int64, problem: String) {
        guard result == nil else { return }
        fail(sequence, problem)
    }

    private mutating func fail(_ sequence: Int64, _ problem: String) {
        result = .bad(sequence: sequence, problem: problem)
    }
}
