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
