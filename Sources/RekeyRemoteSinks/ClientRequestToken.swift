// The `ClientRequestToken` of a PutSecretValue: the same for every retry of one delivery
// (so a put whose answer was lost is not a second version), different for another secret,
// another issue (an `adopt` of the same secret gets a fresh one) or another version read.
// An HMAC under a key derived from the job of (job, new fingerprint, issue time, version
// read), formatted as a UUID. The fingerprint is already keyed with the audit key, so the
// token tells nothing about the secret.

import Crypto
import Foundation
import RekeyDelivery

enum ClientRequestToken {
    static func make(for spooled: SpooledSecret, readVersion: String) -> String {
        let key = SymmetricKey(
            data: SHA256.hash(data: Data("rekey aws-secretsmanager request token \(spooled.job)".utf8)))
        let milliseconds = Int64((spooled.issuedAt.timeIntervalSince1970 * 1000).rounded())
        let message = [spooled.job, spooled.fingerprint, String(milliseconds), readVersion].joined(separator: "\n")
        return uuid(Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
    }

    /// A random token (a write that has no spooled secret behind it).
    static func random() -> String { UUID().uuidString.lowercased() }

    /// The first 16 bytes as a version-4-shaped UUID string.
    static func uuid(_ bytes: [UInt8]) -> String {
        var bytes = Array(bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                hex[
                    hex.index(
                        hex.startIndex, offsetBy: range.lowerBound)..<hex.index(
                            hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}
