// Vendor answers as they come: strict JSON when possible, else fields picked from text —
// but never an unquoted non-number, which would turn a broken answer into a "key".

import Foundation
import Testing

@testable import RekeyVendor

@Suite struct LenientJSONTests {
    static let seedError = Data(
        """
        {
        "response": {
        "error": {
        "docs": www.questionpro.com/api/error-codes.html
        "name": "UNAUTHORIZED",
        "httpStatusCode": 401,
        "id" : "1010",
        "message": "Incorrect API Key",
        "resourceUrl":"resource_url"
        }
        }
        }
        """.utf8)

    @Test func aNestedFieldOfValidJSONIsFound() {
        let data = Data(#"{"response":{"apiKey":"k-1"},"requestID":"r"}"#.utf8)
        #expect(LenientJSON.value(of: "apiKey", in: data) == "k-1")
        #expect(LenientJSON.value(of: "requestID", in: data) == "r")
        #expect(LenientJSON.value(of: "missing", in: data) == nil)
    }

    @Test func aNumberIsReadAsText() {
        #expect(LenientJSON.value(of: "id", in: Data(#"{"error":{"id":1013}}"#.utf8)) == "1013")
    }

    @Test func theSeedsInvalidJSONStillYieldsItsFields() {
        #expect(LenientJSON.value(of: "name", in: Self.seedError) == "UNAUTHORIZED")
        #expect(LenientJSON.value(of: "id", in: Self.seedError) == "1010")
        #expect(LenientJSON.value(of: "httpStatusCode", in: Self.seedError) == "401")
        #expect(LenientJSON.value(of: "message", in: Self.seedError) == "Incorrect API Key")
    }

    @Test func escapedQuotesInsideAStringAreKept() {
        #expect(LenientJSON.scan("k", in: #"{"k": "a\"b" broken"#) == #"a"b"#)
    }

    @Test(arguments: [
        #"{"response": {"apiKey": <html>"#, #"{"apiKey": {{new-api-key}}"#, #"{"apiKey": www.example"#,
        #"{"apiKey": "unterminated"#,
    ])
    func anUnquotedOrUnterminatedNonNumberIsNotAValue(_ text: String) {
        #expect(LenientJSON.value(of: "apiKey", in: Data(text.utf8)) == nil)
    }

    @Test func theDocsURLOfTheSeedIsNotReadAsAValue() {
        #expect(LenientJSON.value(of: "docs", in: Self.seedError) == nil)
    }
}
