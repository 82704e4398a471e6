// What every HTTP provider shares: send through the transport, map transport failures
// and error statuses to `ProviderError`, read the vendor's error envelope and Retry-After.

import Foundation
import RekeyModel

struct HTTPExchange: Sendable {
    let vendor: String
    let transport: any HTTPTransport
    let clock: any RekeyClock
    /// The credential key a login sends, when this exchange logs in (see `ProviderError.loginInput`).
    var loginInput: String? = nil

    /// Sends `request`; a 2xx answer is returned, anything else thrown as `ProviderError`.
    func send(_ request: VendorRequest, timeout: Duration, secrets: [Secret]) async throws(ProviderError)
        -> VendorResponse
    {
        let response: VendorResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
            throw ProviderError(vendor: vendor, transport: error)
        }
        guard (200..<300).contains(response.status) else {
            throw error(for: response, secrets: secrets)
        }
        return response
    }

    func error(for response: VendorResponse, secrets: [Secret]) -> ProviderError {
        let body = response.body
        let name = LenientJSON.value(of: "name", in: body)
        var id = LenientJSON.value(of: "id", in: body)
        if id == nil, let code = LenientJSON.value(of: "code", in: body) { id = code }
        let message = LenientJSON.value(of: "message", in: body)
        return ProviderError(
            vendor: vendor, kind: .status(response.status),
            vendorErrorName: ProviderError.scrub(name, secrets: secrets),
            vendorErrorID: ProviderError.scrub(id, secrets: secrets),
            vendorMessage: ProviderError.scrub(message, secrets: secrets),
            headSent: true,
            retryAfterSeconds: response.status == 429
                ? RetryPolicy.parseRetryAfter(response.header("Retry-After"), now: clock.now()) : nil,
            latencyMilliseconds: response.latencyMilliseconds, loginInput: loginInput)
    }

    /// 200 works, 401 dead, anything else (or no answer) tells nothing.
    func probe(_ request: VendorRequest, timeout: Duration) async -> ProbeResult {
        do {
            let response = try await transport.send(request, timeout: timeout)
            switch response.status {
            case 200..<300: return .works
            case 401: return .dead
            default: return .noAnswer("the probe answered \(response.status)")
            }
        } catch {
            return .noAnswer("\(error)")
        }
    }

    static func url(_ base: URL, _ pathAndQuery: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + pathAndQuery) ?? base
    }

    static func json(_ fields: [String: String]) -> Data {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
    }
}
