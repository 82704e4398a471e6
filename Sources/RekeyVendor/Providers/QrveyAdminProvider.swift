// Qrvey Admin Center tokens: `POST {base}/api/admin/v6/login` with the admin's username
// and access key. Idempotent: logging in again leaves older tokens valid.
// Field names are assumptions from Qrvey's docs, so they come from the job (`fields:`).

import Foundation
import RekeyModel

public struct QrveyAdminProvider: Provider {
    public let spec: QrveyAdminSpec
    let exchange: HTTPExchange

    public init(spec: QrveyAdminSpec, transport: any HTTPTransport, clock: any RekeyClock) {
        self.spec = spec
        self.exchange = HTTPExchange(
            vendor: "Qrvey Admin Center", transport: transport, clock: clock, loginInput: "access_key")
    }

    public var kind: ProviderKind { .qrveyAdminToken }
    public var isIdempotent: Bool { true }
    public var canProbe: Bool { false }
    public var probeConfiguration: String? { nil }

    public func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        guard let accessKey = current["access_key"] else {
            throw ProviderError(
                vendor: "Qrvey Admin Center", kind: .status(401), vendorMessage: "no access_key credential",
                headSent: false, loginInput: "access_key")
        }
        let body = HTTPExchange.json([
            spec.fields["username"] ?? "username": spec.username,
            spec.fields["access_key"] ?? "accessKey": accessKey.revealed,
        ])
        let request = VendorRequest(
            method: "POST", url: HTTPExchange.url(spec.baseURL, spec.path),
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")], body: body)
        let response = try await exchange.send(request, timeout: timeout, secrets: [accessKey])
        // The configured field at the top level, a clean string.
        guard let token = AnswerSecret.read(at: [spec.fields["token"] ?? "token"], in: response.body) else {
            throw ProviderError(vendor: "Qrvey Admin Center", kind: .malformedAnswer)
        }
        return IssuedSecret(secret: Secret(token), expiry: JWTExpiry.expiry(of: token))
    }

    public func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        .noAnswer("Qrvey admin tokens have no probe endpoint")
    }
}
