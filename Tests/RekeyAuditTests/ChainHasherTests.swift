import Foundation
import RekeyModel
import Testing

@testable import RekeyAudit

/// `audit verify` hashes with `ChainHasher` (HMAC built from SHA-256, keyed once); the writer
/// with swift-crypto's `HMAC<SHA256>`. They must agree on every key and message, or a log the
/// writer chained would fail verification.
@Suite struct ChainHasherTests {
    @Test(arguments: [0, 1, 31, 32, 33, 64, 65, 200])
    func itComputesWhatHMACComputesForAKeyOfThisLength(keyLength: Int) {
        let random = SeededRandomSource(seed: UInt64(keyLength))
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.nextUInt64()) } }
        let key = AuditKey(bytes: bytes(keyLength))
        let hasher = ChainHasher(key: key)
        var hex: [UInt8] = []
        for messageLength in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300, 1000] {
            let message = bytes(messageLength)
            message.withUnsafeBytes { hasher.hash($0, into: &hex) }
            #expect(
                String(decoding: hex, as: UTF8.self) == key.chainHash(previous: "", canonical: Data(message)),
                "key \(keyLength) bytes, message \(messageLength) bytes")
        }
    }
}
