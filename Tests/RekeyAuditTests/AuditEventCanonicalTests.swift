import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyAudit

/// The canonical encoding is what every existing log was hashed with: these bytes and hashes
/// were computed independently (Python's hmac over the documented `name=<length>:<value>;`
/// form), so a change to the encoder that would make old logs fail `audit verify` fails here.
@Suite struct AuditEventCanonicalTests {
    static let key = AuditKey(bytes: Array(repeating: 3, count: 32))

    /// Every field set: non-ASCII text, an empty string, a negative number, a v4 probe configuration.
    static var everyField: AuditEvent {
        var event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000.123), runID: "run-ü1", step: .issued, job: "acme-prod",
            tenant: "acme", env: "prod", provider: "questionpro.api-key", attempt: 2, httpStatus: 200,
            vendorErrorName: "", vendorErrorID: "id-7", latencyMilliseconds: 41, oldFingerprint: "0123456789abcdef",
            newFingerprint: "fedcba9876543210", expiry: Date(timeIntervalSince1970: 1_900_000_000), trigger: "cron",
            user: "rekey", host: "h1", pid: 4242, version: "0.1.0", exitCode: -1, message: "héllo; =:")
        event.probeConfig = "pc-digest"
        return event
    }

    static var fewestFields: AuditEvent {
        AuditEvent(time: Date(timeIntervalSince1970: 1_800_000_001), runID: "run-1", step: .done)
    }

    static let everyFieldEncoding =
        "seq=1:1;time=13:1800000000123;run=7:run-ü1;step=6:issued;job=9:acme-prod;tenant=4:acme;env=4:prod;provider=19:questionpro.api-key;attempt=1:2;http_status=3:200;vendor_error_name=0:;vendor_error_id=4:id-7;latency_ms=2:41;old_fp=16:0123456789abcdef;new_fp=16:fedcba9876543210;expiry=13:1900000000000;trigger=4:cron;user=5:rekey;host=2:h1;pid=4:4242;version=5:0.1.0;exit_code=2:-1;message=10:héllo; =:;probe_config=9:pc-digest;"
    static let everyFieldHash = "91e05145a0b158e4c4d60e992c2b91ad4162d84994d68d942654833c6c4ddf0c"
    static let fewestFieldsEncoding =
        "seq=1:2;time=13:1800000001000;run=5:run-1;step=4:done;job=-;tenant=-;env=-;provider=-;attempt=-;http_status=-;vendor_error_name=-;vendor_error_id=-;latency_ms=-;old_fp=-;new_fp=-;expiry=-;trigger=-;user=-;host=-;pid=-;version=-;exit_code=-;message=-;"
    static let fewestFieldsHash = "ff873f4c404388c5319725c164c770f08160c59041cb96e5830bb2dcf0b306a3"

    @Test func theEncodingAndChainHashAreTheOnesExistingLogsWereWrittenWith() {
        var first = Self.everyField
        first.sequence = 1
        var second = Self.fewestFields
        second.sequence = 2
        #expect(String(decoding: first.canonicalEncoding, as: UTF8.self) == Self.everyFieldEncoding)
        #expect(String(decoding: second.canonicalEncoding, as: UTF8.self) == Self.fewestFieldsEncoding)
        #expect(Self.key.chainHash(previous: "", canonical: first.canonicalEncoding) == Self.everyFieldHash)
        #expect(
            Self.key.chainHash(previous: Self.everyFieldHash, canonical: second.canonicalEncoding)
                == Self.fewestFieldsHash)
    }

    @Test func theStoreChainsAppendedEventsWithThoseHashes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteAuditLog(path: dir.file("audit.sqlite"), key: Self.key, headPath: dir.file("audit.head"))
        let stored = try await store.append(contentsOf: [Self.everyField, Self.fewestFields])
        #expect(stored.map(\.hash) == [Self.everyFieldHash, Self.fewestFieldsHash])
        #expect(
            try AuditVerifier.verify(
                databasePath: dir.file("audit.sqlite"), key: Self.key, headPath: dir.file("audit.head"))
                == .ok(count: 2))
    }

    @Test func integersAreSpelledAsStringSpellsThem() {
        for value: Int64 in [0, 9, 10, -1, 1_000_000, .max, .min] {
            var buffer = CanonicalEncodingBuffer()
            buffer.field("n", integer: value)
            let text = String(value)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == "n=\(text.utf8.count):\(text);")
        }
    }

    /// What `audit verify` folds is read back from the bytes it hashed: every field comes back
    /// as written (but the chain's own `prevHash` and `hash`), for the fullest and emptiest
    /// events, extreme numbers and awkward text; bytes that are not an encoding give nil.
    @Test func anEncodingReadsBackToTheEventItEncodes() {
        var extremes = Self.everyField
        extremes.attempt = Int(Int64.min)
        extremes.httpStatus = Int(Int64.max)
        extremes.expiry = Date(timeIntervalSince1970: -12.25)
        extremes.message = String(repeating: "ü;=:-", count: 300)
        extremes.probeConfig = ""
        var events = [Self.everyField, Self.fewestFields, extremes]
        for index in events.indices { events[index].sequence = Int64(index + 1) }
        for event in events {
            var buffer = CanonicalEncodingBuffer()
            event.appendCanonicalEncoding(to: &buffer)
            let read = buffer.withUnsafeBytes { AuditEvent(canonicalEncoding: $0) }
            #expect(read == event)
        }
        var buffer = CanonicalEncodingBuffer()
        Self.everyField.appendCanonicalEncoding(to: &buffer)
        let bytes = Array(buffer.bytes)
        for broken in [Array(bytes.dropLast()), Array(bytes.dropFirst()), bytes + Array("x=-;".utf8), []] {
            #expect(broken.withUnsafeBytes { AuditEvent(canonicalEncoding: $0) } == nil)
        }
    }
}
