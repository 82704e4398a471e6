// Qrvey Composer tokens against the sandbox: issued with the expiry read from the JWT,
// wrong API keys refused, 503s retried (idempotent).

import Foundation
import RekeySandbox
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct QrveyComposerProviderTests {
    @Test func aTokenIsIssuedWithTheExpiryOfItsJWT() async throws {
        try await SandboxHarness.with { h in
            let provider = h.qrveyComposer(expiresIn: "2h")
            #expect(provider.isIdempotent)
            let issued = try await provider.issue(current: ["api_key": h.composerAPIKey], timeout: .seconds(20))
            let expiry = try #require(issued.expiry)
            // The JWT's exp, not the manual clock's now + 2 h.
            #expect(expiry == JWTExpiry.expiry(of: issued.secret.revealed))
            #expect(abs(expiry.timeIntervalSinceNow - 7200) < 60)
            #expect(abs(expiry.timeIntervalSince(h.clock.now()) - 7200) > 3600)
        }
    }

    @Test func withoutAReadableJWTTheExpiryComesFromExpiresIn() async throws {
        let transport = ScriptedTransport(body: #"{"token":"opaque-token-value"}"#)
        let clock = ManualClock()
        let provider = QrveyComposerProvider(
            spec: QrveyComposerSpec(
                baseURL: URL(string: "https://qrvey.example")!, userID: "u", appID: "a", expiresIn: "60m"),
            transport: transport, clock: clock)
        let issued = try await provider.issue(current: ["api_key": Secret("composer-key")], timeout: .seconds(1))
        #expect(issued.expiry == clock.now() + 3600)
    }

    @Test func aWrongAPIKeyFailsWith401WithoutRetries() async throws {
        try await SandboxHarness.with { h in
            let outcome = await h.call(h.qrveyComposer()).run(
                current: ["api_key": Secret("wrong-api-key")], probeSecret: nil
            ) { _ in }
            guard let (message, attempts, lastError) = expectFailed(outcome) else { return }
            #expect(attempts == 1)
            #expect(lastError?.status == 401)
            #expect(h.requests(.composerToken).count == 1)
            #expect(!message.contains("adopt"))
            #expect(message.contains("the api_key this job logs in with"))
        }
    }

    @Test func a503IsRetriedBecauseATokenRequestIsIdempotent() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.composerToken, [.status(503), .ok])
            let outcome = await h.call(h.qrveyComposer()).run(current: ["api_key": h.composerAPIKey], probeSecret: nil)
            { _ in }
            guard let (issued, attempts, _) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(issued.expiry != nil)
            #expect(h.requests(.composerToken).count == 2)
        }
    }

    @Test func configuredFieldNamesAreSent() async throws {
        let transport = ScriptedTransport(body: #"{"jwt":"opaque"}"#)
        let provider = QrveyComposerProvider(
            spec: QrveyComposerSpec(
                baseURL: URL(string: "https://qrvey.example")!, userID: "u", appID: "a",
                fields: ["user_id": "userId", "app_id": "appId", "token": "jwt"]),
            transport: transport, clock: ManualClock())
        let issued = try await provider.issue(current: ["api_key": Secret("composer-key")], timeout: .seconds(1))
        #expect(issued.secret.revealed == "opaque")
        let body = try #require(transport.requests.first?.body)
        let fields = try #require(try JSONSerialization.jsonObject(with: body) as? [String: String])
        #expect(fields == ["userId": "u", "appId": "a"])
    }
}

/// A transport that answers 200 with a fixed body and records what it was sent.
final class ScriptedTransport: HTTPTransport {
    let body: String
    private let sent = Mutex<[VendorRequest]>([])
    init(body: String) { self.body = body }
    var requests: [VendorRequest] { sent.withLock { $0 } }
    func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        sent.withLock { $0.append(request) }
        return VendorResponse(status: 200, body: Data(body.utf8))
    }
}
