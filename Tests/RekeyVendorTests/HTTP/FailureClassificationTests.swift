// Every row of the failure table, for idempotent and non-idempotent calls.

import Testing

@testable import RekeyVendor

@Suite struct FailureClassificationTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let error: ProviderError
        let idempotent: FailureVerdict
        let nonIdempotent: FailureVerdict
        var testDescription: String { name }
    }

    static func status(_ code: Int, id: String? = nil) -> ProviderError {
        ProviderError(vendor: "V", kind: .status(code), vendorErrorID: id)
    }

    static func transport(_ kind: TransportError.Kind, headSent: Bool) -> ProviderError {
        ProviderError(vendor: "V", transport: TransportError(kind: kind, headSent: headSent, detail: ""))
    }

    static let rows: [Row] = [
        Row(name: "400", error: status(400), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "401 once the request went out", error: status(401), idempotent: .fail, nonIdempotent: .ambiguous),
        Row(
            name: "401 before anything was sent",
            error: ProviderError(vendor: "V", kind: .status(401), headSent: false), idempotent: .fail,
            nonIdempotent: .fail),
        Row(name: "403", error: status(403), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "404", error: status(404), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "other 4xx (409)", error: status(409), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "3xx (302)", error: status(302), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "429 with 1013", error: status(429, id: "1013"), idempotent: .fail, nonIdempotent: .fail),
        Row(name: "429", error: status(429), idempotent: .retry, nonIdempotent: .retry),
        Row(name: "429 with another id", error: status(429, id: "1026"), idempotent: .retry, nonIdempotent: .retry),
        Row(
            name: "1013 on a non-429 status", error: status(503, id: "1013"), idempotent: .retry,
            nonIdempotent: .ambiguous),
        Row(name: "500", error: status(500), idempotent: .retry, nonIdempotent: .ambiguous),
        Row(name: "502", error: status(502), idempotent: .retry, nonIdempotent: .ambiguous),
        Row(name: "503", error: status(503), idempotent: .retry, nonIdempotent: .ambiguous),
        Row(name: "599", error: status(599), idempotent: .retry, nonIdempotent: .ambiguous),
        Row(
            name: "2xx without a readable secret", error: ProviderError(vendor: "V", kind: .malformedAnswer),
            idempotent: .retry, nonIdempotent: .ambiguous),
        Row(
            name: "connect failure, head not sent", error: transport(.connect, headSent: false), idempotent: .retry,
            nonIdempotent: .retry),
        Row(
            name: "timeout before the head", error: transport(.timeout, headSent: false), idempotent: .retry,
            nonIdempotent: .retry),
        Row(
            name: "timeout after the head", error: transport(.timeout, headSent: true), idempotent: .retry,
            nonIdempotent: .ambiguous),
        Row(
            name: "closed after the head", error: transport(.connectionClosed, headSent: true), idempotent: .retry,
            nonIdempotent: .ambiguous),
        Row(
            name: "body too large", error: transport(.bodyTooLarge, headSent: true), idempotent: .retry,
            nonIdempotent: .ambiguous),
        Row(
            name: "other after the head", error: transport(.other, headSent: true), idempotent: .retry,
            nonIdempotent: .ambiguous),
        Row(
            name: "plain http to a remote host", error: transport(.insecureURL, headSent: false), idempotent: .fail,
            nonIdempotent: .fail),
    ]

    @Test("each row gives the documented verdict for an idempotent call", arguments: rows)
    func idempotentVerdict(_ row: Row) {
        #expect(FailureClassification.verdict(for: row.error, idempotent: true) == row.idempotent)
    }

    @Test("each row gives the documented verdict for a regenerate", arguments: rows)
    func nonIdempotentVerdict(_ row: Row) {
        #expect(FailureClassification.verdict(for: row.error, idempotent: false) == row.nonIdempotent)
    }

    @Test func allowanceExhaustedIsOnlyA429With1013() {
        #expect(Self.status(429, id: "1013").isAllowanceExhausted)
        #expect(!Self.status(429).isAllowanceExhausted)
        #expect(!Self.status(403, id: "1013").isAllowanceExhausted)
    }

    @Test func anAllowanceErrorSaysItIsNotRetried() {
        let text = Self.status(429, id: "1013").description
        #expect(text.contains("allowance"))
        #expect(text.contains("not retried"))
    }
}
