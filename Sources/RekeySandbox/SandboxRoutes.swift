// The sandbox's HTTP surface: the vendor endpoints and `/_sandbox/*` for tests and
// other processes (accounts, request log, faults).

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RekeyModel

struct SandboxRoutes: Sendable {
    let sandbox: VendorSandbox
    var state: SandboxState { sandbox.state }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/a/api/v2/apikey/regenerate") { request, _ in try await regenerate(request) }
        router.get("/a/api/v2/organizations/:org/users") { request, context in
            try await probe(request, organization: context.parameters.get("org") ?? "")
        }
        router.post("/api/admin/v6/login") { request, _ in try await adminLogin(request) }
        router.post("/admin/api/v5/login") { request, _ in try await adminLogin(request) }
        router.post("/devapi/v4/core/login/token") { request, _ in try await composerToken(request) }
        addHTTPVendor(to: router)
        router.get("/_sandbox/accounts") { _, _ in json(accountsDocument()) }
        router.get("/_sandbox/requests") { _, _ in
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .millisecondsSince1970
            encoder.outputFormatting = [.sortedKeys]
            return raw(200, (try? encoder.encode(sandbox.requests)) ?? Data("[]".utf8))
        }
        router.post("/_sandbox/faults") { request, _ in
            var request = request
            let text = String(buffer: try await request.collectBody(upTo: 65_536))
            do {
                for line in text.split(whereSeparator: \.isNewline) {
                    sandbox.inject(try FaultPlan.parse(String(line)))
                }
                return raw(200, Data("ok\n".utf8))
            } catch {
                return raw(400, Data("\(error)\n".utf8))
            }
        }
    }

    func accountsDocument() -> [String: Any] {
        [
            "questionpro": sandbox.questionProAccounts.map {
                ["organization_id": $0.organizationID, "api_key": $0.apiKey]
            },
            "qrvey_admin": sandbox.adminUsers.map { ["username": $0.key, "access_key": $0.value] },
            "qrvey_composer": sandbox.composerAPIKeys.map { ["api_key": $0] },
            "http": [
                "keys": sandbox.httpKeys.map { ["id": $0.id, "api_key": $0.key] },
                "clients": sandbox.httpClients.map { ["client_id": $0.key, "client_secret": $0.value] },
            ],
        ]
    }

    // MARK: Endpoints

    func begin(_ request: Request, _ endpoint: SandboxEndpoint, body: String = "", organization: String? = nil) async
        -> (Int, SandboxFault)
    {
        let fault = state.nextFault(endpoint)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let id = state.record(
            SandboxRequest(
                id: 0, endpoint: endpoint.rawValue, method: request.method.rawValue, path: request.uri.description,
                headers: headers, body: body, organizationID: organization, fault: fault.description, receivedAt: Date()
            ))
        if sandbox.options.latency > .zero { try? await Task.sleep(for: sandbox.options.latency) }
        if case .latency(let extra) = fault { try? await Task.sleep(for: extra) }
        return (id, fault)
    }

    func regenerate(_ request: Request) async throws -> Response {
        let key = request.headers[HTTPField.Name("api-key")!] ?? ""
        let organization = state.storage.withLock { s in s.questionPro.first { $0.value == key }?.key }
        let (id, fault) = await begin(request, .regenerate, organization: organization)
        if let early = earlyAnswer(fault, id) { return early }
        guard let organization else {
            return finish(id, questionProError(401, "UNAUTHORIZED", "1010", "Incorrect API Key"))
        }
        let newKey = state.newKey()
        state.storage.withLock { $0.questionPro[organization] = newKey }
        state.update(id) { $0.processedAt = Date() }
        let body = #"{"response":{"apiKey":"# + jsonString(newKey) + #"},"requestID":"sandbox-\#(id)"}"#
        return finish(id, processedAnswer(fault, body: body, id: id))
    }

    func probe(_ request: Request, organization: String) async throws -> Response {
        let key = request.headers[HTTPField.Name("api-key")!] ?? ""
        let (id, fault) = await begin(request, .probe, organization: organization)
        if let early = earlyAnswer(fault, id) { return early }
        let valid = state.storage.withLock { $0.questionPro[organization] == key }
        state.update(id) { $0.processedAt = Date() }
        guard valid else { return finish(id, questionProError(401, "UNAUTHORIZED", "1010", "Incorrect API Key")) }
        return finish(id, raw(200, Data(#"{"response":[{"userID":1,"email":"sandbox@example.com"}]}"#.utf8)))
    }

    func adminLogin(_ request: Request) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 65_536))
        let (id, fault) = await begin(request, .adminLogin, body: body)
        if let early = earlyAnswer(fault, id) { return early }
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        let username = fields["username"] as? String ?? ""
        let accessKey = fields["accessKey"] as? String ?? ""
        let valid = state.storage.withLock { $0.adminUsers[username] == accessKey && !accessKey.isEmpty }
        guard valid else { return finish(id, raw(401, Data(#"{"message":"Invalid credentials"}"#.utf8))) }
        state.update(id) { $0.processedAt = Date() }
        return finish(id, processedAnswer(fault, body: #"{"token":"\#(makeJWT(expiresIn: 3600))"}"#, id: id))
    }

    func composerToken(_ request: Request) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 65_536))
        let (id, fault) = await begin(request, .composerToken, body: body)
        if let early = earlyAnswer(fault, id) { return early }
        let apiKey = request.headers[HTTPField.Name("x-api-key")!] ?? ""
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        let valid = state.storage.withLock { $0.composerKeys.contains(apiKey) }
        guard valid else { return finish(id, raw(401, Data(#"{"message":"Invalid API key"}"#.utf8))) }
        guard fields["userid"] is String, fields["appid"] is String else {
            return finish(id, raw(400, Data(#"{"message":"userid and appid are required"}"#.utf8)))
        }
        let lifetime = (fields["expiresIn"] as? String).flatMap(RekeyDuration.parse)?.seconds ?? 3600
        state.update(id) { $0.processedAt = Date() }
        return finish(id, processedAnswer(fault, body: #"{"token":"\#(makeJWT(expiresIn: lifetime))"}"#, id: id))
    }

    // MARK: Faults

    /// Faults that answer without processing.
    func earlyAnswer(_ fault: SandboxFault, _ id: Int) -> Response? {
        switch fault {
        case .status(let code, let errorID, let retryAfter):
            var response = questionProError(code, statusName(code), errorID ?? "1026", "Injected fault")
            if let retryAfter { response.headers[HTTPField.Name("Retry-After")!] = retryAfter }
            return finish(id, response)
        case .resetBefore:
            return finish(id, brokenConnection())
        case .seedInvalidJSON:
            // Exactly the documented example: not valid JSON.
            let body = """
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
                """
            return finish(id, raw(401, Data(body.utf8)))
        case .html:
            return finish(
                id, raw(502, Data("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8), type: "text/html"))
        case .redirect:
            var response = raw(302, Data())
            response.headers[.location] = "https://attacker.example/steal"
            return finish(id, response)
        default:
            return nil
        }
    }

    /// The answer for work that was done, shaped by the fault.
    func processedAnswer(_ fault: SandboxFault, body: String, id: Int) -> Response {
        switch fault {
        case .resetAfter: brokenConnection()
        case .replayed401: questionProError(401, "UNAUTHORIZED", "1010", "Incorrect API Key")
        case .malformedJSON: raw(200, Data(#"{"response": {"apiKey": <html>"#.utf8))
        case .hugeBody: raw(200, Data(repeating: UInt8(ascii: " "), count: 2 << 20) + Data(body.utf8))
        case .slowBody:
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    for byte in Data(body.utf8) {
                        try await writer.write(ByteBuffer(bytes: [byte]))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await writer.finish(nil)
                })
        default: raw(200, Data(body.utf8))
        }
    }

    /// A response whose body fails at once: the client sees the connection drop.
    func brokenConnection() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .contentLength: "1000"],
            body: ResponseBody { _ in throw CancellationError() })
    }

    /// Wraps the answer so the log records when its last byte went out.
    func finish(_ id: Int, _ response: Response) -> Response {
        var response = response
        let state = self.state
        let status = Int(response.status.code)
        state.update(id) { $0.status = status }
        let inner = response.body
        response.body = ResponseBody { writer in
            try await inner.write(writer)
            state.update(id) { $0.sentAt = Date() }
        }
        return response
    }

    func questionProError(_ status: Int, _ name: String, _ errorID: String, _ message: String) -> Response {
        let body =
            #"{"response":{"error":{"docs":"www.questionpro.com/api/error-codes.html","name":"\#(name)","httpStatusCode":\#(status),"id":"\#(errorID)","message":"\#(message)","resourceUrl":"resource_url"}}}"#
        return raw(status, Data(body.utf8))
    }

    func statusName(_ code: Int) -> String {
        switch code {
        case 400: "BAD_REQUEST"
        case 401: "UNAUTHORIZED"
        case 403: "FORBIDDEN"
        case 404: "NOT_FOUND"
        case 429: "TOO_MANY_REQUESTS"
        default: code >= 500 ? "INTERNAL_SERVER_ERROR" : "ERROR"
        }
    }

    func raw(_ status: Int, _ body: Data, type: String = "application/json") -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: type],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func json(_ object: [String: Any]) -> Response {
        raw(200, (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    func makeJWT(expiresIn seconds: Int64) -> String {
        func b64(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let exp = Int64(Date().timeIntervalSince1970) + seconds
        let nonce = UInt64.random(in: 0...UInt64.max)
        return b64(#"{"alg":"none","typ":"JWT"}"#) + "." + b64(#"{"exp":\#(exp),"jti":"\#(nonce)"}"#) + ".sandbox"
    }
}
