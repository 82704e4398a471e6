// The field syntax the hash chain covers — `name=<byte length>:<value>;`, an absent value
// `name=-;`, integers in decimal — written into one reusable byte buffer.
// `AuditEvent.canonicalEncoding` (the writer) and `StoredAuditRow` (`audit verify`, straight
// from SQLite's column bytes) both write through it, so the syntax is defined once. Verify
// encodes a million rows: fields are written through a pointer into storage reserved once per
// row, not appended a byte at a time, and nothing is allocated per row.

struct CanonicalEncodingBuffer {
    /// Fully initialised storage, so it can be written through a pointer; the first `count`
    /// bytes are the encoding.
    private var storage: [UInt8]
    private(set) var count = 0

    init(capacity: Int = 512) {
        storage = Array(repeating: 0, count: capacity)
    }

    /// The encoding so far.
    var bytes: ArraySlice<UInt8> { storage[..<count] }

    /// The encoding so far, without copying it.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Empties the buffer and keeps its storage.
    mutating func removeAll() {
        count = 0
    }

    /// The most bytes a field named `name` with a value of `valueCount` bytes (or an integer,
    /// at most 20) takes: the name, `=`, a length of at most 20 digits, `:`, the value and `;`.
    static func maximumFieldCount(name: StaticString, valueCount: Int) -> Int {
        name.utf8CodeUnitCount + valueCount + 23
    }

    /// Lets `body` append at most `maximumCount` bytes through a writer (which traps rather
    /// than write past them).
    mutating func write(atMost maximumCount: Int, _ body: (inout CanonicalFieldWriter) -> Void) {
        if count + maximumCount > storage.count {
            let growth = max(storage.count, count + maximumCount - storage.count)
            storage.append(contentsOf: repeatElement(0, count: growth))
        }
        let start = count
        count = storage.withUnsafeMutableBufferPointer { out in
            var writer = CanonicalFieldWriter(base: out.baseAddress!, position: start, limit: start + maximumCount)
            body(&writer)
            return writer.position
        }
    }

    /// Appends bytes that are not a field (the previous hash the chain hash starts with).
    mutating func append(raw: UnsafeBufferPointer<UInt8>) {
        write(atMost: raw.count) { $0.raw(raw) }
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        guard var value else {
            return write(atMost: Self.maximumFieldCount(name: name, valueCount: 0)) { $0.absent(name) }
        }
        value.withUTF8 { utf8 in
            write(atMost: Self.maximumFieldCount(name: name, valueCount: utf8.count)) { $0.field(name, utf8: utf8) }
        }
    }

    mutating func field(_ name: StaticString, integer value: Int64?) {
        write(atMost: Self.maximumFieldCount(name: name, valueCount: 20)) { $0.field(name, integer: value) }
    }
}

/// Writes fields at `position` in storage the buffer reserved; every write checks `limit`.
struct CanonicalFieldWriter {
    let base: UnsafeMutablePointer<UInt8>
    private(set) var position: Int
    let limit: Int

    mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(position + bytes.count <= limit, "canonical encoding: write past the reserved bytes")
        if let source = bytes.baseAddress { (base + position).update(from: source, count: bytes.count) }
        position += bytes.count
    }

    private mutating func byte(_ value: UInt8) {
        precondition(position < limit, "canonical encoding: write past the reserved bytes")
        base[position] = value
        position += 1
    }

    mutating func absent(_ name: StaticString) {
        name.withUTF8Buffer { raw($0) }
        byte(UInt8(ascii: "="))
        byte(UInt8(ascii: "-"))
        byte(UInt8(ascii: ";"))
    }

    mutating func field(_ name: StaticString, utf8 value: UnsafeBufferPointer<UInt8>?) {
        guard let value else { return absent(name) }
        name.withUTF8Buffer { raw($0) }
        byte(UInt8(ascii: "="))
        decimal(Int64(value.count))
        byte(UInt8(ascii: ":"))
        raw(value)
        byte(UInt8(ascii: ";"))
    }

    mutating func field(_ name: StaticString, integer value: Int64?) {
        guard let value else { return absent(name) }
        Self.withDecimal(value) { digits in field(name, utf8: digits) }
    }

    private mutating func decimal(_ value: Int64) {
        Self.withDecimal(value) { raw($0) }
    }

    /// `value` in decimal ASCII, as `String(value)` spells it, without making a String.
    private static func withDecimal<R>(_ value: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // Int64.min is 19 digits and a sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
