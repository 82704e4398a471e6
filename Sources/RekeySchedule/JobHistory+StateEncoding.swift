// How a `JobHistory` is stored in the per-job state table: a fixed field order in a few
// dozen bytes. `audit report` and every cron tick decode one per job (10,000 at a time),
// and JSONDecoder took 30 µs each; this takes well under one. Change the field order or
// the fields and `JobHistoryProjection.version` must change with it (the table is rebuilt).

import Foundation

extension JobHistory {
    /// The format byte that leads every stored state.
    static let stateEncodingFormat: UInt8 = 4

    /// The stored form: the format byte, then every field in declaration order.
    func stateEncoding() -> [UInt8] {
        var out: [UInt8] = [Self.stateEncodingFormat]
        out.reserveCapacity(128)
        for date in [lastSuccess, expiry, issuedAt, firstEvent, baselinedAt, lastFailure, lastAttempt, revokeDue] {
            StateFields.put(date, into: &out)
        }
        StateFields.put(Int64(consecutiveFailures), into: &out)
        StateFields.put(Int64(unsettledRuns), into: &out)
        StateFields.put(Int64(revokeFailures), into: &out)
        out.append(
            (configurationProblem ? 1 : 0) | (openIntent ? 2 : 0) | (needsRecovery ? 4 : 0) | (hookFailed ? 8 : 0))
        for text in [
            lastError, doneFingerprint, provenProbe, tenant, env, provider, currentCredentialID, pendingRevokeID,
            pendingRevokeFingerprint, lastHost, deliveringFingerprint,
        ] {
            StateFields.put(text, into: &out)
        }
        StateFields.put(Int64(deliveredHosts.count), into: &out)
        for host in deliveredHosts { StateFields.put(host, into: &out) }
        return out
    }

    /// Reads what `stateEncoding()` wrote; throws on anything else (a truncated, extended or
    /// hand-edited row), so the caller folds the chain instead of trusting it.
    init(stateEncoding bytes: some Collection<UInt8>) throws(StateEncodingError) {
        var fields = StateFields(Array(bytes))
        guard try fields.byte() == Self.stateEncodingFormat else { throw .unreadable }
        self.init()
        lastSuccess = try fields.date()
        expiry = try fields.date()
        issuedAt = try fields.date()
        firstEvent = try fields.date()
        baselinedAt = try fields.date()
        lastFailure = try fields.date()
        lastAttempt = try fields.date()
        revokeDue = try fields.date()
        consecutiveFailures = Int(try fields.integer())
        unsettledRuns = Int(try fields.integer())
        revokeFailures = Int(try fields.integer())
        let flags = try fields.byte()
        guard flags & ~0x0f == 0 else { throw .unreadable }
        configurationProblem = flags & 1 != 0
        openIntent = flags & 2 != 0
        needsRecovery = flags & 4 != 0
        hookFailed = flags & 8 != 0
        lastError = try fields.text()
        doneFingerprint = try fields.text()
        provenProbe = try fields.text()
        tenant = try fields.text()
        env = try fields.text()
        provider = try fields.text()
        currentCredentialID = try fields.text()
        pendingRevokeID = try fields.text()
        pendingRevokeFingerprint = try fields.text()
        lastHost = try fields.text()
        deliveringFingerprint = try fields.text()
        let hosts = try fields.integer()
        guard (0...1024).contains(hosts) else { throw .unreadable }
        for _ in 0..<hosts {
            guard let host = try fields.text() else { throw .unreadable }
            deliveredHosts.append(host)
        }
        guard fields.isAtEnd else { throw .unreadable }
    }
}

/// A stored state that is not one `stateEncoding()` wrote.
public enum StateEncodingError: Error, Sendable {
    case unreadable
}

/// Little-endian fields: a presence byte before optionals, a 4-byte length before text.
struct StateFields {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    static func put(_ value: Int64, into out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func put(_ date: Date?, into out: inout [UInt8]) {
        guard let date else { return out.append(0) }
        out.append(1)
        put(Int64((date.timeIntervalSince1970 * 1000).rounded()), into: &out)
    }

    static func put(_ text: String?, into out: inout [UInt8]) {
        guard let text else { return out.append(0) }
        out.append(1)
        let utf8 = Array(text.utf8)
        withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: utf8)
    }

    mutating func byte() throws(StateEncodingError) -> UInt8 {
        guard offset < bytes.count else { throw .unreadable }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: Int) throws(StateEncodingError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw .unreadable }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func integer() throws(StateEncodingError) -> Int64 {
        var value: UInt64 = 0
        for (shift, byte) in try take(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return Int64(bitPattern: value)
    }

    mutating func date() throws(StateEncodingError) -> Date? {
        switch try byte() {
        case 0: return nil
        case 1: return Date(timeIntervalSince1970: Double(try integer()) / 1000)
        default: throw .unreadable
        }
    }

    mutating func text() throws(StateEncodingError) -> String? {
        switch try byte() {
        case 0: return nil
        case 1:
            var length: UInt32 = 0
            for (shift, byte) in try take(4).enumerated() { length |= UInt32(byte) << (8 * UInt32(shift)) }
            let utf8 = try take(Int(length))
            guard let text = String(validating: utf8, as: UTF8.self) else { throw .unreadable }
            return text
        default: throw .unreadable
        }
    }
}
