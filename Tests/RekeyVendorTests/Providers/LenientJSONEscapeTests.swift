// The lenient fallback decodes JSON string escapes exactly as a strict parser does: every
// escape form is compared with `JSONSerialization` on the strict equivalent, and an
// invalid escape or a lone surrogate makes the value undecodable, never guessed.

import Foundation
import Testing

@testable import RekeyVendor

@Suite struct LenientJSONEscapeTests {
    /// Escaped string bodies (as they appear between the quotes) and what they must decode to.
    static let escapeForms: [String] = [
        #"qp-\u0041-key"#, #"a\"b"#, #"a\\b"#, #"a\/b"#, #"a\bb"#, #"a\fb"#, #"a\nb"#, #"a\rb"#, #"a\tb"#,
        #"\u00e9t\u00C9"#, #"\u20ac"#, #"\ud83d\ude00-emoji"#, #"\uD834\uDD1E"#, #"\u0000x"#, #"end\\"#,
        #"\\u0041"#, #"mixed\/\u0041\\\"\n"#,
    ]

    static func strictValue(_ escaped: String) throws -> String? {
        let strict = Data(#"{"response":{"apiKey":"\#(escaped)"}}"#.utf8)
        let object = try JSONSerialization.jsonObject(with: strict) as? [String: Any]
        return (object?["response"] as? [String: Any])?["apiKey"] as? String
    }

    @Test("the fallback decodes each escape form as JSONSerialization does", arguments: escapeForms)
    func theFallbackMatchesTheStrictParser(_ escaped: String) throws {
        let expected = try #require(try Self.strictValue(escaped))
        // A missing comma (as in the vendor's own examples) makes the answer non-strict,
        // so the fallback reads it; a trailing comma must read the same, whoever parses it.
        let lenient = Data(#"{"response":{"apiKey":"\#(escaped)"} "requestID":"r"}"#.utf8)
        #expect((try? JSONSerialization.jsonObject(with: lenient)) == nil)
        #expect(LenientJSON.value(of: "apiKey", in: lenient) == expected)
        let trailingComma = Data(#"{"response":{"apiKey":"\#(escaped)",},"requestID":"r",}"#.utf8)
        #expect(LenientJSON.value(of: "apiKey", in: trailingComma) == expected)
    }

    @Test func aUnicodeEscapeInANonStrictAnswerIsNotMangled() {
        let lenient = Data(#"{"response":{"apiKey":"qp-\u0041-7f3c"} "requestID":"r"}"#.utf8)
        #expect(LenientJSON.value(of: "apiKey", in: lenient) == "qp-A-7f3c")
    }

    @Test(
        "an invalid escape or a lone surrogate makes the value undecodable",
        arguments: [
            #"qp-\x41"#, #"qp-\u00g1"#, #"qp-\u004"#, #"qp-\ud83d"#, #"qp-\ud83d-x"#, #"qp-\ude00"#,
            #"qp-\ud83d\u0041"#, #"qp-\ud83d\ud83d"#, #"qp-\'"#, #"qp-\U0041"#,
        ])
    func anInvalidEscapeIsNeverGuessed(_ escaped: String) {
        let lenient = Data(#"{"response":{"apiKey":"\#(escaped)"} "requestID":"r"}"#.utf8)
        #expect(LenientJSON.value(of: "apiKey", in: lenient) == nil)
    }

    @Test func anEscapedQuoteDoesNotEndTheStringEarly() {
        #expect(LenientJSON.scan("k", in: #"{"k": "a\\\"b" broken"#) == #"a\"b"#)
        #expect(LenientJSON.scan("k", in: #"{"k": "a\\" broken"#) == #"a\"#)
    }
}
