// Qrvey Composer tokens: `POST {base}/devapi/v4/core/login/token`, header `x-api-key`,
// JSON {userid, appid, expiresIn?, clientid?}. Idempotent. Expiry: a readable JWT `exp`
// wins, else `expires_in` from now.

import Foundation
import RekeyModel

public struct QrveyComposerProvider: Provider {
    public let spec: QrveyComposerSpec
    let exchange: HTTPExchange
    let clock: any RekeyClock

    public init(spec: QrveyComposerSpec, transport: any HTTPTransport, clock: any RekeyClock) {
        self.spec = spec
        self.exchange = HTTPExchange(
            vendor: "Qrvey Composer", transport: transport, clock: clock, loginInput: "api_key")
        self.clock = clock
    }

    public var kind: ProviderKind { .qrveyComposerToken }
    public var isIdempotent: Bool { true }
    public var canProbe: Bool { false }
    public var probeConfiguration: String? { nil }

    public func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        guard let apiKey = current["api_key"] else {
            throw ProviderError(
                vendor: "Qrvey Composer", kind: .status(401), vendorMessage: "no api_key credential", headSent: false,
                loginInput: "api_key")
        }
        var fields = [
            spec.fields["user_id"] ?? "userid": spec.userID,
            spec.fields["app_id"] ?? "appid": spec.appID,
        ]
        if let expiresIn = spec.expiresIn { fields[spec.fields["expires_in"] ?? "expiresIn"] = expiresIn }
        if let clientID = spec.clientID { fields[spec.fields["client_id"] ?? "clientid"] = clientID }
        let request = VendorRequest(
            method: "POST", url: HTTPExchange.url(spec.baseURL, spec.path),
            headers: [
                ("x-api-key", apiKey.revealed), ("Content-Type", "application/json"), ("Accept", "application/json"),
            ],
            body: HTTPExchange.json(fields))
        let response = try await exchange.send(request, timeout: timeout, secrets: [apiKey])
        // The configured field at the top level, a clean string.
        guard let token = AnswerSecret.read(at: [spec.fields["token"] ?? "token"], in: response.body) else {
            throw ProviderError(vendor: "Qrvey Composer", kind: .malformedAnswer)
        }
        let expiry =
            JWTExpiry.expiry(of: token)
            ?? spec.expiresIn.flatMap(RekeyDuration.parse).map { clock.now() + $0.timeInterval }
        return IssuedSecret(secret: Secret(token), expiry: expiry)
    }

    public func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        .noAnswer("Qrvey composer tokens have no probe endpoint")
    }
}
