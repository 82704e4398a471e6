// The latest count and hash of the chain, kept outside the database (`audit.head`) and
// authenticated with the audit key, so a truncated log shows: `audit verify` compares the
// chain's end with it, and a writer refuses to extend a log that is behind it. A head
// written by hand (from a hash copied out of the database) fails its MAC.

import Crypto
import Foundation

/// The latest count and hash, kept outside the database so truncation shows.
public struct AuditHead: Sendable, Hashable {
    public var count: Int64
    public var hash: String

    public init(count: Int64, hash: String) {
        self.count = count
        self.hash = hash
    }

    /// What `audit.head` holds.
    public enum Reading: Sendable, Hashable {
        case missing
        /// Written by rekey with this key.
        case authentic(AuditHead)
        /// `count hash` without a MAC: written before heads were authenticated (or by hand).
        case unauthenticated(AuditHead)
        /// Not parseable, or its MAC does not match this key.
        case forged
    }

    /// `count hash mac`, the MAC over both under the audit key, replacing the file whole: a
    /// private temporary file beside it, fdatasync'd, renamed over it. The directory is not
    /// fsynced: a rename lost in a crash leaves the previous head, which the durable log is
    /// only ever ahead of, and that is never mistaken for truncation. It runs after every
    /// commit, so it stays this lean (one sync; the state directory is already private).
    func write(to path: String, key: AuditKey) {
        let text = Array("\(count) \(hash) \(key.headMAC(count: count, hash: hash))\n".utf8)
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard fd >= 0 else { return }
        let written = text.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = written == text.count && fdatasync(fd) == 0
        if close(fd) == 0, synced, rename(temporary, path) == 0 { return }
        unlink(temporary)
    }

    static func read(from path: String, key: AuditKey) -> Reading {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return .forged }
        let parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard parts.count == 2 || parts.count == 3, let count = Int64(parts[0]) else { return .forged }
        let head = AuditHead(count: count, hash: parts[1])
        guard parts.count == 3 else { return .unauthenticated(head) }
        return key.headMAC(count: count, hash: head.hash) == parts[2] ? .authentic(head) : .forged
    }
}

extension AuditKey {
    func headMAC(count: Int64, hash: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("rekey-audit-head\0\(count)\0\(hash)".utf8), using: key)
        return hex(mac)
    }
}
