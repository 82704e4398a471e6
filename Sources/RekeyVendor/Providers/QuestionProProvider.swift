// QuestionPro API keys: `GET {base}/a/api/v2/apikey/regenerate` with header `api-key`.
// Not idempotent — success kills the old key at once — so it is probed before and after.

import Foundation
import RekeyModel

public struct QuestionProProvider: Provider {
    public let spec: QuestionProSpec
    let exchange: HTTPExchange

    public init(spec: QuestionProSpec, transport: any HTTPTransport, clock: any RekeyClock) {
        self.spec = spec
        self.exchange = HTTPExchange(vendor: "QuestionPro", transport: transport, clock: clock)
    }

    public var kind: ProviderKind { .questionProAPIKey }
    public var isIdempotent: Bool { false }
    public var canProbe: Bool { true }

    public func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        guard let key = current["api_key"] else {
            // Nothing was sent, so there is nothing to settle: a plain failure.
            throw ProviderError(
                vendor: "QuestionPro", kind: .status(401), vendorMessage: "no api_key credential", headSent: false)
        }
        let request = VendorRequest(
            method: "GET", url: HTTPExchange.url(spec.baseURL, "/a/api/v2/apikey/regenerate"),
            headers: [("api-key", key.revealed), ("Accept", "application/json")])
        let response = try await exchange.send(request, timeout: timeout, secrets: [key])
        // Exactly `response.apiKey`, a clean string: a decoy elsewhere or a blank is no key.
        guard let newKey = AnswerSecret.read(at: ["response", "apiKey"], in: response.body), newKey != key.revealed
        else {
            throw ProviderError(
                vendor: "QuestionPro", kind: .malformedAnswer, latencyMilliseconds: response.latencyMilliseconds)
        }
        return IssuedSecret(secret: Secret(newKey), requestID: LenientJSON.value(of: "requestID", in: response.body))
    }

    public var probeConfiguration: String? { "GET \(probeURL.absoluteString)" }

    var probeURL: URL {
        HTTPExchange.url(
            spec.baseURL, spec.probePath.replacingOccurrences(of: "{organization_id}", with: spec.organizationID))
    }

    public func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        let request = VendorRequest(
            method: "GET", url: probeURL,
            headers: [("api-key", secret.revealed), ("Accept", "application/json")])
        return await exchange.probe(request, timeout: timeout)
    }
}
