// The described vendor's endpoints (see `VendorSandbox+HTTP`), all under `/v1`:
// `POST /v1/keys/regenerate` (replaces the caller's key), `POST /v1/keys` (adds one; 409
// when the vendor already holds its maximum), `DELETE /v1/keys/:id`, `POST /v1/oauth/token`
// (a login) and `GET /v1/me` (the probe). Keys travel as `Authorization: Bearer`.

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension SandboxRoutes {
    func addHTTPVendor(to router: Router<BasicRequestContext>) {
        let prefix = VendorSandbox.httpPathPrefix
        router.post("\(prefix)/keys/regenerate") { request, _ in await httpRegenerate(request) }
        router.post("\(prefix)/keys") { request, _ in await httpAddKey(request) }
        router.delete("\(prefix)/keys/:id") { request, context in
            await httpRevoke(request, id: context.parameters.get("id") ?? "")
        }
        router.post("\(prefix)/oauth/token") { request, _ in try await httpLogin(request) }
        router.get("\(prefix)/me") { request, _ in await httpProbe(request) }
    }

    func bearer(_ request: Request) -> String {
        let value = request.headers[.authorization] ?? ""
        return value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : ""
    }

    func httpError(_ status: Int, _ code: String, _ message: String) -> Response {
        raw(status, Data(#"{"error":{"code":"\#(code)","message":"\#(message)"}}"#.utf8))
    }

    /// The configured answer shape with this key, id and expiry in it.
    func httpAnswer(_ entry: SandboxHTTPKey, lifetime: TimeInterval = 90 * 86_400) -> String {
        let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(lifetime))
        return sandbox.options.httpAnswer
            .replacingOccurrences(of: #""{{key}}""#, with: jsonString(entry.key))
            .replacingOccurrences(of: #""{{id}}""#, with: jsonString(entry.id))
            .replacingOccurrences(of: #""{{expires_at}}""#, with: "\"" + expiry + "\"")
    }

    func httpRegenerate(_ request: Request) async -> Response {
        let caller = bearer(request)
        // Logged as the request's account, so a test can tell whose key it rotated.
        let keyID = state.storage.withLock { s in s.httpKeys.first { $0.key == caller && !caller.isEmpty }?.id }
        let (id, fault) = await begin(request, .httpIssue, organization: keyID)
        if let early = earlyAnswer(fault, id) { return early }
        let newKey = state.newKey().replacingOccurrences(of: "qp", with: "hk")
        let replaced: SandboxHTTPKey? = state.storage.withLock { s in
            guard let index = s.httpKeys.firstIndex(where: { $0.key == caller }), !caller.isEmpty else { return nil }
            s.httpKeys[index].key = newKey
            return s.httpKeys[index]
        }
        guard let replaced else { return finish(id, httpError(401, "unauthorized", "unknown API key")) }
        state.update(id) { $0.processedAt = Date() }
        return finish(id, processedAnswer(fault, body: httpAnswer(replaced), id: id))
    }

    func httpAddKey(_ request: Request) async -> Response {
        let caller = bearer(request)
        let (id, fault) = await begin(request, .httpIssue)
        if let early = earlyAnswer(fault, id) { return early }
        let maximum = sandbox.options.httpMaximumKeys
        enum Verdict { case unauthorized, full, added }
        let newKey = state.newKey().replacingOccurrences(of: "qp", with: "hk")
        var added: SandboxHTTPKey?
        let verdict: Verdict = state.storage.withLock { s in
            guard !caller.isEmpty, s.httpKeys.contains(where: { $0.key == caller }) else { return .unauthorized }
            guard s.httpKeys.count < maximum else { return .full }
            s.httpKeyCounter += 1
            let entry = SandboxHTTPKey(id: "key_\(s.httpKeyCounter)", key: newKey)
            s.httpKeys.append(entry)
            added = entry
            return .added
        }
        switch verdict {
        case .unauthorized: return finish(id, httpError(401, "unauthorized", "unknown API key"))
        case .full:
            return finish(id, httpError(409, "too_many_keys", "this account already holds \(maximum) keys"))
        case .added:
            state.update(id) { $0.processedAt = Date() }
            return finish(id, processedAnswer(fault, body: httpAnswer(added!), id: id))
        }
    }

    func httpRevoke(_ request: Request, id keyID: String) async -> Response {
        let caller = bearer(request)
        let (id, fault) = await begin(request, .httpRevoke)
        if let early = earlyAnswer(fault, id) { return early }
        enum Verdict { case unauthorized, missing, revoked }
        let verdict: Verdict = state.storage.withLock { s in
            guard !caller.isEmpty, s.httpKeys.contains(where: { $0.key == caller }) else { return .unauthorized }
            guard let index = s.httpKeys.firstIndex(where: { $0.id == keyID }) else { return .missing }
            s.httpKeys.remove(at: index)
            return .revoked
        }
        switch verdict {
        case .unauthorized: return finish(id, httpError(401, "unauthorized", "unknown API key"))
        case .missing: return finish(id, httpError(404, "not_found", "no such key"))
        case .revoked:
            state.update(id) { $0.processedAt = Date() }
            return finish(id, processedAnswer(fault, body: "{}", id: id))
        }
    }

    func httpLogin(_ request: Request) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 65_536))
        let (id, fault) = await begin(request, .httpIssue, body: body)
        if let early = earlyAnswer(fault, id) { return early }
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        let client = fields["client_id"] as? String ?? ""
        let secret = fields["client_secret"] as? String ?? ""
        let valid = state.storage.withLock { $0.httpClients[client] == secret && !secret.isEmpty }
        guard valid else { return finish(id, httpError(401, "invalid_client", "unknown client")) }
        let token = "tok_" + state.newKey()
        state.storage.withLock { _ = $0.httpTokens.insert(token) }
        state.update(id) { $0.processedAt = Date() }
        let entry = SandboxHTTPKey(id: "token_\(id)", key: token)
        return finish(id, processedAnswer(fault, body: httpAnswer(entry, lifetime: 3600), id: id))
    }

    func httpProbe(_ request: Request) async -> Response {
        let caller = bearer(request)
        let (id, fault) = await begin(request, .httpProbe)
        if let early = earlyAnswer(fault, id) { return early }
        let valid = !caller.isEmpty && sandbox.httpAcceptedSecrets.contains(caller)
        state.update(id) { $0.processedAt = Date() }
        guard valid else { return finish(id, httpError(401, "unauthorized", "unknown API key")) }
        return finish(id, raw(200, Data(#"{"account":"sandbox"}"#.utf8)))
    }
}
