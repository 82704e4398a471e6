// The exchange every HTTP provider shares: URLs, error envelopes, Retry-After read
// against the injected clock, and the probe's works / dead / no-answer mapping.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyVendor

@Suite struct HTTPProviderSupportTests {
    struct FixedTransport: HTTPTransport {
        var status: Int
        var body: String
        var headers: [(String, String)] = []
        func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
            VendorResponse(status: status, headers: headers, body: Data(body.utf8))
        }
    }

    struct FailingTransport: HTTPTransport {
        func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
            throw TransportError(kind: .timeout, headSent: true, detail: "")
        }
    }

    static let request = VendorRequest(method: "GET", url: URL(string: "https://v.example/x")!)

    @Test(arguments: [
        ("https://v.example", "https://v.example/a?b=1"), ("https://v.example/", "https://v.example/a?b=1"),
        ("https://v.example/base//", "https://v.example/base/a?b=1"),
    ])
    func aPathIsJoinedToTheBaseWithOneSlash(_ base: String, _ expected: String) {
        #expect(HTTPExchange.url(URL(string: base)!, "/a?b=1").absoluteString == expected)
    }

    @Test func anErrorEnvelopeWithANumericCodeIsRead() async {
        let exchange = HTTPExchange(
            vendor: "V", transport: FixedTransport(status: 400, body: #"{"code": 42, "message": "bad"}"#),
            clock: ManualClock())
        let error = await #expect(throws: ProviderError.self) {
            _ = try await exchange.send(Self.request, timeout: .seconds(1), secrets: [])
        }
        #expect(error?.status == 400)
        #expect(error?.vendorErrorID == "42")
        #expect(error?.vendorMessage == "bad")
    }

    @Test func anUnreadableErrorBodyFallsBackToTheStatus() async {
        let exchange = HTTPExchange(
            vendor: "V", transport: FixedTransport(status: 500, body: "<html>oops</html>"), clock: ManualClock())
        let error = await #expect(throws: ProviderError.self) {
            _ = try await exchange.send(Self.request, timeout: .seconds(1), secrets: [])
        }
        #expect(error?.status == 500)
        #expect(error?.vendorErrorID == nil)
        #expect(error?.description.hasPrefix("V answered 500") == true)
    }

    @Test func retryAfterAsADateIsMeasuredFromTheInjectedClock() async {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_445_412_480 - 4))
        let transport = FixedTransport(
            status: 429, body: "{}", headers: [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])
        let exchange = HTTPExchange(vendor: "V", transport: transport, clock: clock)
        let error = await #expect(throws: ProviderError.self) {
            _ = try await exchange.send(Self.request, timeout: .seconds(1), secrets: [])
        }
        #expect(error?.retryAfterSeconds == 4)
    }

    @Test func aDateRetryAfterFromTheSandboxIsHonouredByTheRetryEngine() async throws {
        try await SandboxHarness.with { h in
            h.clock.set(Date(timeIntervalSince1970: 1_445_412_480 - 3))
            h.sandbox.inject(.regenerate, [.status(429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"), .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (_, attempts, _) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(h.clock.sleeps == [.seconds(3)])
        }
    }

    @Test func retryAfterIsOnlyReadOnA429() async {
        let transport = FixedTransport(status: 503, body: "{}", headers: [("Retry-After", "9")])
        let exchange = HTTPExchange(vendor: "V", transport: transport, clock: ManualClock())
        let error = await #expect(throws: ProviderError.self) {
            _ = try await exchange.send(Self.request, timeout: .seconds(1), secrets: [])
        }
        #expect(error?.retryAfterSeconds == nil)
    }

    @Test(arguments: [
        (200, ProbeResult.works), (204, .works), (401, .dead), (403, .noAnswer("the probe answered 403")),
        (503, .noAnswer("the probe answered 503")),
    ])
    func aProbeMapsTheStatus(_ status: Int, _ expected: ProbeResult) async {
        let exchange = HTTPExchange(
            vendor: "V", transport: FixedTransport(status: status, body: ""), clock: ManualClock())
        #expect(await exchange.probe(Self.request, timeout: .seconds(1)) == expected)
    }

    @Test func aProbeWithoutAnAnswerTellsNothing() async {
        let exchange = HTTPExchange(vendor: "V", transport: FailingTransport(), clock: ManualClock())
        guard case .noAnswer = await exchange.probe(Self.request, timeout: .seconds(1)) else {
            Issue.record("expected noAnswer")
            return
        }
    }
}
