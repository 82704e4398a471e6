// The fleet key: one file every host of a fleet shares (`fleet.key: {file: …}` in
// rekey.yaml), at least 32 random bytes, private like the audit key. Nothing uses it
// directly: each purpose derives its own key with HKDF-SHA256 under a label, so the audit
// chain's key and the shared spool's encryption key are independent (knowing one tells
// nothing of the other).

import Crypto
import Foundation
import RekeyAudit

public enum FleetKeyError: Error, LocalizedError, CustomStringConvertible {
    case unreadable(String, String)
    case tooShort(String, bytes: Int)
    case exposed(String, why: String, fix: String)
    case notConfigured

    public var description: String {
        switch self {
        case .unreadable(let path, let why):
            "cannot read the fleet key \(path) (\(why)); it must be a file of at least 32 random bytes readable only by rekey's user"
        case .tooShort(let path, let bytes):
            "the fleet key \(path) holds \(bytes) bytes, fewer than 32: make a new one with `head -c 32 /dev/urandom > \(path) && chmod 600 \(path)` and copy it to every host (before any host has written to the database)"
        case .exposed(let path, let why, let fix):
            "refusing to use the fleet key \(path): \(why). Fix it with `\(fix)`"
        case .notConfigured:
            "a PostgreSQL audit log needs the fleet key: add `fleet: {key: {file: /etc/rekey/fleet.key}}` to rekey.yaml (at least 32 random bytes, 0600, the same file on every host)"
        }
    }

    public var errorDescription: String? { description }
}

public struct FleetKey: Sendable {
    let material: SymmetricKey

    public init(bytes: [UInt8]) {
        material = SymmetricKey(data: bytes)
    }

    /// Loads the key file, refusing one that others may read or replace.
    public static func load(path: String) throws(FleetKeyError) -> FleetKey {
        do {
            try KeyFilePermissions.check(path)
        } catch AuditKeyError.exposed(let path, let why, let fix) {
            throw .exposed(path, why: why, fix: fix)
        } catch AuditKeyError.unreadable(let path, let why) {
            throw .unreadable(path, why)
        } catch {
            throw .unreadable(path, "\(error)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "not readable") }
        guard data.count >= 32 else { throw .tooShort(path, bytes: data.count) }
        return FleetKey(bytes: Array(data))
    }

    /// The key that chains and fingerprints the PostgreSQL audit log.
    public var auditKey: AuditKey {
        AuditKey(bytes: derive(label: "rekey audit chain v1"))
    }

    /// The AES-256-GCM key that seals the shared spool's secrets (`FleetSpool`): a database
    /// dump alone never reveals a secret, and the audit key cannot open one.
    public var spoolKey: SymmetricKey {
        SymmetricKey(data: derive(label: "rekey spool v1"))
    }

    /// A 32-byte key for one purpose: HKDF-SHA256 (RFC 5869) with a fixed salt and the label as info.
    func derive(label: String) -> [UInt8] {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material, salt: Data("rekey-fleet".utf8), info: Data(label.utf8), outputByteCount: 32)
        return derived.withUnsafeBytes { Array($0) }
    }
}
