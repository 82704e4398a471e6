// `audit verify`'s second thread: each row's MAC recomputed and compared with the hash it
// stores, and the checked rows' events lent on, while the reading thread steps SQLite,
// checks the links and encodes the next rows. A row's MAC depends only on its own stored
// bytes (its `prev_hash` is a column), so rows check in any order; the reader has already
// seen that each `prev_hash` equals the hash stored in the row before. Together: every
// stored hash is the MAC of its row and the one the next row follows, as a single pass
// recomputing the chain would find, on two cores instead of one.
//
// Batches of rows are handed over, at most a few in flight, so memory stays bounded when
// one side is slower; a failure stops both sides at the next batch.

import Dispatch
import Synchronization

final class ChainContentCheck: @unchecked Sendable {
    /// Rows per batch: large enough that a hand-over costs nothing per row.
    static let batchRows = 2048

    /// Rows encoded by the reader, checked by the worker; owned by one side at a time.
    private struct Batch {
        /// Each row's MAC input (its `prev_hash`, then its canonical encoding), back to back.
        var messages = CanonicalEncodingBuffer(capacity: 1 << 20)
        /// Where each row's canonical encoding starts (after its `prev_hash`) and its message
        /// ends in `messages`.
        var starts: [Int] = []
        var ends: [Int] = []
        /// Each row's stored hash, 64 bytes each.
        var hashes: [UInt8] = []
        var sequences: [Int64] = []

        var isEmpty: Bool { sequences.isEmpty }
    }

    private let hasher: ChainHasher
    private let eachEvent: (@Sendable (AuditEvent) -> Void)?
    private let queue = DispatchQueue(label: "rekey.audit-verify")
    /// Batches handed over and not yet checked, at most this many.
    private let inFlight = DispatchSemaphore(value: 3)
    private let done = DispatchGroup()
    /// The first row whose MAC did not match: the worker writes it, the reader reads it.
    private let failed = Mutex<Int64?>(nil)
    /// The reader's batch being filled (touched by the reader only).
    private var filling = Batch()

    init(key: AuditKey, eachEvent: (@Sendable (AuditEvent) -> Void)?) {
        hasher = ChainHasher(key: key)
        self.eachEvent = eachEvent
    }

    /// The first row found changed so far, if any (the reader stops once there is one).
    var failedSequence: Int64? { failed.withLock { $0 } }

    /// Queues `row` for its MAC check: its message and stored hash are copied out of
    /// SQLite's buffers now, as the row is only lent for this call.
    func add(_ row: StoredAuditRow, previousHash: [UInt8]) {
        previousHash.withUnsafeBufferPointer { filling.messages.append(raw: $0) }
        filling.starts.append(filling.messages.count)
        row.appendCanonicalEncoding(to: &filling.messages)
        filling.ends.append(filling.messages.count)
        if let stored = row.text(.hash), stored.count == 64 {
            filling.hashes.append(contentsOf: stored)
        } else {
            // Not a hash rekey wrote (NULL or another length): it cannot match any MAC.
            filling.hashes.append(contentsOf: repeatElement(0, count: 64))
        }
        filling.sequences.append(row.sequence)
        if filling.sequences.count == Self.batchRows { handOver() }
    }

    /// Checks what is left and waits until every queued row is checked.
    func finish() {
        if !filling.isEmpty { handOver() }
        done.wait()
    }

    private func handOver() {
        let handed = filling
        filling = Batch()
        inFlight.wait()
        done.enter()
        queue.async {
            self.check(handed)
            self.inFlight.signal()
            self.done.leave()
        }
    }

    private func check(_ batch: Batch) {
        if failedSequence != nil { return }
        var recomputed: [UInt8] = []
        recomputed.reserveCapacity(64)
        batch.messages.withUnsafeBytes { messages in
            batch.hashes.withUnsafeBufferPointer { hashes in
                var start = 0
                for index in batch.sequences.indices {
                    let end = batch.ends[index]
                    hasher.hash(UnsafeRawBufferPointer(rebasing: messages[start..<end]), into: &recomputed)
                    start = end
                    let stored = UnsafeBufferPointer(rebasing: hashes[(index * 64)..<(index * 64 + 64)])
                    guard recomputed.elementsEqual(stored) else {
                        failed.withLock { $0 = $0 ?? batch.sequences[index] }
                        return
                    }
                    // The event is read back from the bytes just hashed: this thread's work,
                    // not the reader's, and exactly what the MAC covers.
                    if let eachEvent {
                        let encoding = UnsafeRawBufferPointer(rebasing: messages[batch.starts[index]..<end])
                        guard let event = AuditEvent(canonicalEncoding: encoding) else {
                            failed.withLock { $0 = $0 ?? batch.sequences[index] }
                            return
                        }
                        eachEvent(event)
                    }
                }
            }
        }
    }
}
