// The canonical encoding of an event that the hash chain covers: every field in a fixed
// order, each as `name=<byte length>:<value>;`, absent values as `name=-;`, dates as
// integer milliseconds since 1970. Length prefixes make the encoding unambiguous.

import Foundation

extension AuditEvent {
    var canonicalEncoding: Data {
        func millis(_ date: Date?) -> String? {
            date.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
        }
        let fields: [(String, String?)] = [
            ("seq", sequence.map(String.init)), ("time", millis(time)), ("run", runID), ("step", step.rawValue),
            ("job", job), ("tenant", tenant), ("env", env), ("provider", provider),
            ("attempt", attempt.map(String.init)),
            ("http_status", httpStatus.map(String.init)), ("vendor_error_name", vendorErrorName),
            ("vendor_error_id", vendorErrorID), ("latency_ms", latencyMilliseconds.map(String.init)),
            ("old_fp", oldFingerprint), ("new_fp", newFingerprint), ("expiry", millis(expiry)), ("trigger", trigger),
            ("user", user), ("host", host), ("pid", pid.map(String.init)), ("version", version),
            ("exit_code", exitCode.map(String.init)), ("message", message),
        ]
        var text = ""
        for (name, value) in fields {
            if let value {
                text += "\(name)=\(value.utf8.count):\(value);"
            } else {
                text += "\(name)=-;"
            }
        }
        return Data(text.utf8)
    }
}
