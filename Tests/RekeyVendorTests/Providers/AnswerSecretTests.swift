// The secret reader and its lenient document on their own: broken structure, hostile
// nesting and unclean values yield no secret, and the vendor's own invalid example
// still parses with its nesting kept.

import Foundation
import Testing

@testable import RekeyVendor

@Suite struct AnswerSecretTests {
    @Test func theSeedsInvalidExampleKeepsItsNesting() throws {
        let document = try #require(LenientJSONDocument.parse(LenientJSONTests.seedError))
        guard case .string(let name)? = document.value(at: ["response", "error", "name"]) else {
            Issue.record("expected the error name as a string")
            return
        }
        #expect(name == "UNAUTHORIZED")
        #expect(document.value(at: ["name"]) == nil)
    }

    @Test(arguments: [
        #"{"response":{"apiKey":"k-1"}"#, #"{"response":{"apiKey":"k-1"}} trailing"#,
        #"{"response":{"apiKey":"k-1"} "x":}"#, #"{"response":{"apiKey" "k-1"} "x":1}"#,
        #"{"response":{"apiKey":"k-1} "x":1}"#, "", "   ",
    ])
    func aBrokenStructureYieldsNoSecret(_ body: String) {
        #expect(AnswerSecret.read(at: ["response", "apiKey"], in: Data(body.utf8)) == nil)
    }

    @Test func hostileNestingIsRefusedWithoutExhaustingTheStack() {
        let body = String(repeating: "[", count: 100_000) + #" "x":1"#
        #expect(LenientJSONDocument.parse(Data(body.utf8)) == nil)
        #expect(AnswerSecret.read(at: ["response", "apiKey"], in: Data(body.utf8)) == nil)
    }

    @Test func aKeyWithAnUndecodableEscapeOnTheWayPutsThePlaceInDoubt() {
        let body = #"{"response":{"api\x4bey":"decoy-1" "apiKey":"k-1"} "x":1}"#
        #expect(AnswerSecret.read(at: ["response", "apiKey"], in: Data(body.utf8)) == nil)
    }

    @Test(arguments: [
        ("k-1", true), ("a key with inner spaces", true), ("ünïcödé-€-1", true), ("", false), (" k", false),
        ("k\t", false), ("k\u{0}k", false), ("k\u{7F}k", false), ("k\u{85}", false), ("\u{FEFF}k", false),
        ("k\u{200B}", false), ("k\u{FFFD}k", false), ("\u{2003}k", false),
    ])
    func aSecretIsCleanOnlyWithoutSurroundingSpaceOrControls(_ value: String, _ clean: Bool) {
        #expect(AnswerSecret.isClean(value) == clean)
    }
}
