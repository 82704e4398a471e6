import Foundation
import Testing

@testable import RekeyModel

/// Every form a program is likely to print a secret in is scrubbed.
@Suite struct SecretScrubberTests {
    @Test func rawBase64PercentAndJSONEscapedFormsAreAllRemoved() throws {
        let secret = Secret("qp-key/with+odd\"chars&=ü")
        let raw = secret.revealed
        let base64 = Data(raw.utf8).base64EncodedString()
        let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let percent = try #require(raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let json = String(decoding: try JSONEncoder().encode(raw), as: UTF8.self).dropFirst().dropLast()
        let text = "a \(raw) b \(base64) c \(urlSafe) d \(percent) e \(json) f"
        let scrubbed = SecretScrubber.scrub(text, secrets: [secret])
        for form in [raw, base64, urlSafe, percent, String(json)] { #expect(!scrubbed.contains(form)) }
        #expect(scrubbed.hasPrefix("a <redacted> b <redacted>"))
        #expect(scrubbed.hasSuffix("f"))
    }
}
