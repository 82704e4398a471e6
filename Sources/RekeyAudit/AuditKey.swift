// The audit key: 32 random bytes at `<state-dir>/audit.key` (0600), created on first
// use. It keys the fingerprints (which key is which, without revealing any) and the
// hash chain (which rows were changed).

import Crypto
import Foundation
import RekeyDelivery
import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

public enum AuditKeyError: Error, LocalizedError, CustomStringConvertible {
    case unreadable(String, String)
    /// The key is gone but the log it signs is not.
    case missing(String)
    /// Others may read or replace the key.
    case exposed(String, why: String, fix: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why):
            "cannot read or create the audit key \(path) (\(why)); it must be a 32-byte file readable only by rekey's user"
        case .missing(let path):
            "the audit key \(path) is missing but the audit log it signs exists. Restore the key from your backup; rekey will not create a new one, because the log's chain would then fail from its first event (to start a new log, move the state directory away)"
        case .exposed(let path, let why, let fix):
            "refusing to use the audit key \(path): \(why). Fix it with `\(fix)`"
        }
    }

    public var errorDescription: String? { description }
}

public struct AuditKey: Sendable {
    let key: SymmetricKey

    public init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// Loads an existing key (verify must not invent one).
    public static func load(path: String) throws -> AuditKey {
        try KeyFilePermissions.check(path)
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw AuditKeyError.unreadable(path, "missing or not 32 bytes")
        }
        return AuditKey(bytes: Array(data))
    }

    /// Loads the key at `path`, creating it (0600, fsynced) when absent and `mayCreate` (a
    /// state directory with no log yet) — a missing key beside an existing log is an error,
    /// never silently replaced. Two processes racing to create it end up with the same
    /// key: only one `O_EXCL` create wins.
    public static func loadOrCreate(path: String, mayCreate: Bool = true) throws -> AuditKey {
        for _ in 0..<50 {
            if FileManager.default.fileExists(atPath: path) {
                try KeyFilePermissions.check(path)
                if let data = FileManager.default.contents(atPath: path), data.count == 32 {
                    return AuditKey(bytes: Array(data))
                }
            } else if !mayCreate {
                throw AuditKeyError.missing(path)
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                var bytes = [UInt8](repeating: 0, count: 32)
                var generator = SystemRandomNumberGenerator()
                for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
                let synced = fsync(fd)
                close(fd)
                guard written == 32, synced == 0 else {
                    throw AuditKeyError.unreadable(path, "write failed: \(String(cString: strerror(errno)))")
                }
                DurableFileWriter.syncParentDirectory(of: path)
                return AuditKey(bytes: bytes)
            }
            guard errno == EEXIST else { throw AuditKeyError.unreadable(path, String(cString: strerror(errno))) }
            // Another process is creating it right now: give it a moment.
            usleep(2000)
        }
        throw AuditKeyError.unreadable(path, "it exists but is not 32 bytes")
    }

    /// HMAC-SHA256 of `secret` under the key, first 16 hex digits: tells keys apart,
    /// useless to an attacker.
    public func fingerprint(_ secret: Secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(secret.revealed.utf8), using: key)
        return hex(mac.prefix(8))
    }

    /// The chain hash of a row: HMAC-SHA256(key, previous hash ‖ canonical row), hex.
    /// (`audit verify` computes the same with `ChainHasher`.)
    func chainHash(previous: String, canonical: Data) -> String {
        var data = Data(previous.utf8)
        data.append(canonical)
        let mac = HMAC<SHA256>.authenticationCode(for: data, using: key)
        return hex(mac)
    }
}

/// Lowercase hex, without Foundation's `String(format:)` (slow enough to dominate `audit verify`).
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
