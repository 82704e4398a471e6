// The chain hash — HMAC-SHA256(audit key, previous hash ‖ canonical row), lowercase hex —
// keyed once, for `audit verify`'s million rows.
//
// It is RFC 2104's HMAC built from swift-crypto's `SHA256`, exactly what `HMAC<SHA256>`
// computes (the tests compare them, and the writer uses `HMAC<SHA256>`): the two hashers,
// keyed with the padded key once, are copied per row. `HMAC<SHA256>` itself took a sixth
// longer per row here, all of it in its generic `update(data:)` and `finalize()` (it has no
// non-generic entry point). What is left per row are swift-crypto's two copy-on-write digest
// contexts (one allocation each, as with `HMAC`); its API has no way around them.

import Crypto

struct ChainHasher {
    /// SHA-256 after the key XOR ipad block, and after the key XOR opad block.
    private let inner: SHA256
    private let outer: SHA256

    init(key: AuditKey) {
        // The key padded with zeros to SHA-256's 64-byte block (a longer key is hashed first).
        var block = key.key.withUnsafeBytes { Array($0) }
        if block.count > 64 { block = Array(SHA256.hash(data: block)) }
        block += Array(repeating: 0, count: 64 - block.count)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// Replaces the contents of `hex` with the 64 hex digits of the MAC of `message`.
    func hash(_ message: UnsafeRawBufferPointer, into hex: inout [UInt8]) {
        var innerHash = inner
        innerHash.update(bufferPointer: message)
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        if hex.count != 64 { hex = Array(repeating: 0, count: 64) }
        hex.withUnsafeMutableBufferPointer { out in
            outerHash.finalize().withUnsafeBytes { digest in
                for (index, byte) in digest.enumerated() {
                    out[2 * index] = Self.hexDigit(byte >> 4)
                    out[2 * index + 1] = Self.hexDigit(byte & 0x0f)
                }
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}
