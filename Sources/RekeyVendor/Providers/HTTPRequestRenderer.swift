// Turns an `http` job's request templates into a `VendorRequest` with the values of one
// call. In a URL each value is percent-encoded as one path segment or query value (only
// RFC 3986 unreserved characters stay); an id with `/ ? # % ..`, CR, LF or NUL is refused
// outright, and so is any header value with CR, LF or NUL: nothing is sent.

import Foundation
import RekeyModel

struct HTTPRequestRenderer: Sendable {
    let vendor: String
    let job: (name: String, tenant: String, env: String)
    let vars: [String: String]

    /// The values one request may use.
    struct Values {
        var credentials: ResolvedCredentials = [:]
        var secret: Secret?
        var previousID: String?
    }

    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Whether `id` may name a credential in a request: none of `/ ? # %`, no `..`, no CR, LF or NUL.
    static func isSafeID(_ id: String) -> Bool { CredentialID.isSafe(id) }

    func request(_ spec: HTTPProviderSpec.Request, _ values: Values) throws(ProviderError) -> (VendorRequest, [Secret])
    {
        var sent: [Secret] = []
        func value(_ variable: TemplateVariable) throws(ProviderError) -> String {
            switch variable {
            case .credential(let name):
                guard let secret = values.credentials[name] else { throw refused("no \(name) credential") }
                sent.append(secret)
                return secret.revealed
            case .secret:
                guard let secret = values.secret else { throw refused("no secret to send") }
                sent.append(secret)
                return secret.revealed
            case .previousID:
                guard let id = values.previousID else { throw refused("no previous credential id") }
                guard Self.isSafeID(id) else {
                    throw refused("the previous credential's id holds '/', '?', '#', '%', '..' or a control character")
                }
                return id
            case .job(let field):
                switch field {
                case "tenant": return job.tenant
                case "env": return job.env
                default: return job.name
                }
            case .provider(let name):
                return vars[name] ?? ""
            }
        }
        let urlText = try spec.url.render(value) {
            $0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        }
        guard let url = URL(string: urlText) else { throw refused("the URL does not parse once filled in") }
        var headers: [(String, String)] = []
        for header in spec.headers {
            let text = try header.value.render(value)
            if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw refused("header \(header.name) would hold a line break or NUL")
            }
            headers.append((header.name, text))
        }
        let hasAccept = headers.contains { $0.0.caseInsensitiveCompare("Accept") == .orderedSame }
        if !hasAccept { headers.append(("Accept", "application/json")) }
        var body: Data?
        if let template = spec.body {
            body = Data(try template.render(value).utf8)
            if !headers.contains(where: { $0.0.caseInsensitiveCompare("Content-Type") == .orderedSame }) {
                headers.append(("Content-Type", "application/json"))
            }
        }
        return (VendorRequest(method: spec.method, url: url, headers: headers, body: body), sent)
    }

    func refused(_ why: String) -> ProviderError {
        ProviderError(vendor: vendor, kind: .refused, vendorMessage: why, headSent: false)
    }
}
