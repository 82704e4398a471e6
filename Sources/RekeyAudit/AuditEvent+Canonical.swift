// The canonical encoding of an event that the hash chain covers: every field in a fixed
// order, each as `name=<byte length>:<value>;`, absent values as `name=-;`, dates as
// integer milliseconds since 1970. Length prefixes make the encoding unambiguous.
// `StoredAuditRow+Canonical.swift` encodes a stored row the same way, straight from
// its columns (`audit verify`); the tests pin both to the same bytes.

import Foundation

extension AuditEvent {
    var canonicalEncoding: Data {
        var buffer = CanonicalEncodingBuffer()
        appendCanonicalEncoding(to: &buffer)
        return Data(buffer.bytes)
    }

    func appendCanonicalEncoding(to buffer: inout CanonicalEncodingBuffer) {
        func number(_ value: Int?) -> Int64? { value.map { Int64($0) } }
        buffer.field("seq", integer: sequence)
        buffer.field("time", integer: AuditSchema.millis(time))
        buffer.field("run", runID)
        buffer.field("step", step.rawValue)
        buffer.field("job", job)
        buffer.field("tenant", tenant)
        buffer.field("env", env)
        buffer.field("provider", provider)
        buffer.field("attempt", integer: number(attempt))
        buffer.field("http_status", integer: number(httpStatus))
        buffer.field("vendor_error_name", vendorErrorName)
        buffer.field("vendor_error_id", vendorErrorID)
        buffer.field("latency_ms", integer: number(latencyMilliseconds))
        buffer.field("old_fp", oldFingerprint)
        buffer.field("new_fp", newFingerprint)
        buffer.field("expiry", integer: expiry.map(AuditSchema.millis))
        buffer.field("trigger", trigger)
        buffer.field("user", user)
        buffer.field("host", host)
        buffer.field("pid", integer: number(pid))
        buffer.field("version", version)
        buffer.field("exit_code", integer: number(exitCode))
        buffer.field("message", message)
        // Added in schema v4: encoded only when present, so older rows hash as they did.
        if let probeConfig { buffer.field("probe_config", probeConfig) }
    }
}

extension AuditEvent {
    /// The event a canonical encoding holds (`appendCanonicalEncoding`), read back: what
    /// `audit verify` lends on for a row whose MAC checked out, decoded from the very bytes
    /// it hashed instead of from SQLite a second time. Without `prevHash` and `hash`, which
    /// the encoding does not hold. Nil for bytes that are not such an encoding.
    init?(canonicalEncoding bytes: UnsafeRawBufferPointer) {
        var reader = CanonicalFieldReader(bytes: bytes)
        var text: [String?] = []
        var integers: [Int64?] = []
        text.reserveCapacity(AuditColumn.encodedWithProbeConfig.count)
        integers.reserveCapacity(AuditColumn.encodedWithProbeConfig.count)
        for column in AuditColumn.encodedWithProbeConfig {
            // `probe_config` (schema v4) is encoded only when present.
            if column == .probeConfig && reader.isAtEnd { break }
            guard let value = reader.next(column.name) else { return nil }
            if column.holdsInteger {
                if let value {
                    guard let number = CanonicalFieldReader.integer(value) else { return nil }
                    integers.append(number)
                } else {
                    integers.append(nil)
                }
                text.append(nil)
            } else {
                integers.append(nil)
                text.append(value.map { String(decoding: $0, as: UTF8.self) })
            }
        }
        guard reader.isAtEnd, text.count >= AuditColumn.alwaysEncoded.count else { return nil }
        // The fields before `probe_config` sit at their columns' places.
        func string(_ column: AuditColumn) -> String? { text[Int(column.rawValue)] }
        func int(_ column: AuditColumn) -> Int? { integers[Int(column.rawValue)].map { Int($0) } }
        func date(_ column: AuditColumn) -> Date? {
            integers[Int(column.rawValue)].map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        self.init(
            time: date(.time) ?? Date(timeIntervalSince1970: 0), runID: string(.run) ?? "",
            step: AuditStep(rawValue: string(.step) ?? "") ?? .probe, job: string(.job), tenant: string(.tenant),
            env: string(.env), provider: string(.provider), attempt: int(.attempt), httpStatus: int(.httpStatus),
            vendorErrorName: string(.vendorErrorName), vendorErrorID: string(.vendorErrorID),
            latencyMilliseconds: int(.latencyMilliseconds), oldFingerprint: string(.oldFingerprint),
            newFingerprint: string(.newFingerprint), expiry: date(.expiry), trigger: string(.trigger),
            user: string(.user), host: string(.host), pid: int(.pid), version: string(.version),
            exitCode: int(.exitCode), message: string(.message))
        sequence = integers[Int(AuditColumn.seq.rawValue)]
        // After the others in the encoding (not at its column's place in the table).
        if text.count > AuditColumn.alwaysEncoded.count { probeConfig = text[AuditColumn.alwaysEncoded.count] }
    }
}

/// Reads `name=<length>:<value>;` and `name=-;` fields back, in order.
struct CanonicalFieldReader {
    let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    /// The next field, which must be `name`: `.some(nil)` when absent, nil when the bytes
    /// are not that field.
    mutating func next(_ name: StaticString) -> UnsafeRawBufferPointer?? {
        let nameCount = name.utf8CodeUnitCount
        guard position + nameCount + 1 <= bytes.count,
            memcmp(bytes.baseAddress! + position, name.utf8Start, nameCount) == 0,
            bytes[position + nameCount] == UInt8(ascii: "=")
        else { return nil }
        position += nameCount + 1
        if position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "-"), bytes[position + 1] == UInt8(ascii: ";") {
            position += 2
            return .some(nil)
        }
        var length = 0
        var digits = 0
        while position < bytes.count, let digit = Self.digit(bytes[position]), digits < 19 {
            length = length * 10 + digit
            position += 1
            digits += 1
        }
        guard digits > 0, position < bytes.count, bytes[position] == UInt8(ascii: ":"),
            length <= bytes.count - position - 2, bytes[position + 1 + length] == UInt8(ascii: ";")
        else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: bytes[(position + 1)..<(position + 1 + length)])
        position += length + 2
        return .some(value)
    }

    /// A decimal integer as the writer spells it (an optional `-`, then digits), or nil.
    static func integer(_ value: UnsafeRawBufferPointer) -> Int64? {
        let negative = value.first == UInt8(ascii: "-")
        let digits = negative ? UnsafeRawBufferPointer(rebasing: value.dropFirst()) : value
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            guard let digit = Self.digit(byte) else { return nil }
            magnitude = magnitude * 10 + UInt64(digit)
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
