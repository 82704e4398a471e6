import Foundation
import RekeyAudit
import RekeyModel
import RekeyPostgresStore
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FleetKeyTests {
    @Test func theAuditKeyIsDerivedNotTheFileItself() throws {
        let bytes = (0..<32).map { UInt8($0) }
        let secret = Secret("some-api-key")
        let derived = FleetKey(bytes: bytes).auditKey
        #expect(derived.fingerprint(secret) == FleetKey(bytes: bytes).auditKey.fingerprint(secret))
        #expect(derived.fingerprint(secret) != AuditKey(bytes: bytes).fingerprint(secret))
        #expect(derived.fingerprint(secret) != FleetKey(bytes: bytes.reversed()).auditKey.fingerprint(secret))
    }

    @Test func theDerivationIsHKDFSHA256WithRekeysLabels() throws {
        // RFC 5869 with salt "rekey-fleet" and info "rekey audit chain v1", computed independently
        // (Python: hashlib/hmac) for the key 00 01 … 1f.
        let derived = FleetKey(bytes: (0..<32).map { UInt8($0) }).auditKey
        #expect(derived.fingerprint(Secret("x")) == FleetKeyTests.expectedFingerprintOfX)
    }

    static let expectedFingerprintOfX = "57934c96759dd06a"

    /// HKDF-SHA256, salt "rekey-fleet", info "rekey spool v1", for the key 00 01 … 1f, computed
    /// independently (Python: hashlib/hmac); the audit chain's key (info "rekey audit chain
    /// v1") is 415aca40…, so knowing one tells nothing of the other.
    @Test func theSpoolKeyIsDerivedUnderItsOwnLabel() throws {
        let spoolKey = FleetKey(bytes: (0..<32).map { UInt8($0) }).spoolKey
        let hex = spoolKey.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        #expect(hex == "477844fa119331de31343d6ee8135afcff1fb62f873a3c5966366bacdad5f303")
        let other = FleetKey(bytes: (1...32).map { UInt8($0) }).spoolKey
        #expect(other.withUnsafeBytes { Array($0) } != spoolKey.withUnsafeBytes { Array($0) })
    }

    @Test func aShortOrExposedKeyFileIsRefusedWithTheFix() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let short = try dir.write("short.key", String(repeating: "k", count: 31))
        chmod(short, 0o600)
        let tooShort = #expect(throws: FleetKeyError.self) { try FleetKey.load(path: short) }
        #expect(tooShort?.description.contains("fewer than 32") == true)
        let open = try dir.write("open.key", String(repeating: "k", count: 40))
        chmod(open, 0o644)
        let exposed = #expect(throws: FleetKeyError.self) { try FleetKey.load(path: open) }
        #expect(exposed?.description.contains("chmod 600") == true)
        chmod(open, 0o600)
        #expect(try FleetKey.load(path: open).auditKey.fingerprint(Secret("x")).count == 16)
        #expect(throws: FleetKeyError.self) { try FleetKey.load(path: dir.file("missing.key")) }
    }
}
