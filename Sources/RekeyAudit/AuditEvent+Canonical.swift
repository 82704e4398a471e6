// The canonical encoding of an event that the hash chain covers: every field in a fixed
// order, each as `name=<byte length>:<value>;`, absent values as `name=-;`, dates as
// integer milliseconds since 1970. Length prefixes make the encoding unambiguous.
// Built byte by byte: `audit verify` encodes every row of the log.

import Foundation

extension AuditEvent {
    var canonicalEncoding: Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        func field(_ name: StaticString, _ value: String?) {
            name.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "="))
            guard let value else {
                bytes.append(UInt8(ascii: "-"))
                bytes.append(UInt8(ascii: ";"))
                return
            }
            let utf8 = value.utf8
            bytes.append(contentsOf: String(utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: ";"))
        }
        func number<T: BinaryInteger>(_ value: T?) -> String? { value.map { String($0) } }
        func millis(_ date: Date?) -> String? {
            date.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
        }
        field("seq", number(sequence))
        field("time", millis(time))
        field("run", runID)
        field("step", step.rawValue)
        field("job", job)
        field("tenant", tenant)
        field("env", env)
        field("provider", provider)
        field("attempt", number(attempt))
        field("http_status", number(httpStatus))
        field("vendor_error_name", vendorErrorName)
        field("vendor_error_id", vendorErrorID)
        field("latency_ms", number(latencyMilliseconds))
        field("old_fp", oldFingerprint)
        field("new_fp", newFingerprint)
        field("expiry", millis(expiry))
        field("trigger", trigger)
        field("user", user)
        field("host", host)
        field("pid", number(pid))
        field("version", version)
        field("exit_code", number(exitCode))
        field("message", message)
        // Added in schema v4: encoded only when present, so older rows hash as they did.
        if let probeConfig { field("probe_config", probeConfig) }
        return Data(bytes)
    }
}
