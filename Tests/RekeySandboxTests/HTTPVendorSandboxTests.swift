// The sandbox's described vendor (for `kind: http` jobs) behaves like the vendors it stands
// for: a regenerate kills the caller's key, a two-key vendor holds at most two keys (a third
// is a 409) and revokes by id, a login leaves earlier tokens valid, the answer takes any
// configured JSON shape, and its endpoints take faults like the others.

import Foundation
import RekeyModel
import RekeySandbox
import RekeyTestSupport
import RekeyVendor
import Testing

@Suite struct HTTPVendorSandboxTests {
    /// Runs `body` against a fresh sandbox; the client and sandbox are shut down however it ends.
    func withSandbox(
        _ options: SandboxOptions = SandboxOptions(),
        _ body: (VendorSandbox, URL, VendorHTTPClient) async throws -> Void
    ) async throws {
        try await SandboxSession.with(options: options, body)
    }

    func send(
        _ client: VendorHTTPClient, _ method: String, _ url: URL, bearer: String? = nil, body: String? = nil
    ) async throws -> VendorResponse {
        try await client.send(
            VendorRequest(
                method: method, url: url, headers: bearer.map { [("Authorization", "Bearer \($0)")] } ?? [],
                body: body.map { Data($0.utf8) }),
            // What the sandbox answers is under test, not how fast: a loaded CI machine at the
            // start of the run (clusters starting, suites in parallel) once took over 5 s.
            timeout: .seconds(30))
    }

    func json(_ response: VendorResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test func aRegenerateReplacesTheCallersKeyInTheConfiguredShape() async throws {
        var options = SandboxOptions()
        options.httpAnswer = #"{"outer":[{"secret":"{{key}}","key_id":"{{id}}"}]}"#
        try await withSandbox(options) { sandbox, url, client in
            let old = sandbox.httpKeys[0]
            let response = try await send(client, "POST", url.appending(path: "v1/keys/regenerate"), bearer: old.key)
            #expect(response.status == 200)
            let outer = try #require(try json(response)["outer"] as? [[String: String]])
            #expect(outer.first?["secret"] == sandbox.httpKeys[0].key)
            #expect(outer.first?["key_id"] == old.id)
            #expect(!sandbox.httpAcceptedSecrets.contains(old.key))
            #expect(try await send(client, "GET", url.appending(path: "v1/me"), bearer: old.key).status == 401)
            #expect(
                try await send(client, "GET", url.appending(path: "v1/me"), bearer: sandbox.httpKeys[0].key).status
                    == 200)
        }
    }

    @Test func aTwoKeyVendorRefusesAThirdKeyAndRevokesByID() async throws {
        try await withSandbox { sandbox, url, client in
            let first = sandbox.httpKeys[0]
            #expect(try await send(client, "POST", url.appending(path: "v1/keys"), bearer: first.key).status == 200)
            #expect(sandbox.httpKeys.count == 2)
            let third = try await send(client, "POST", url.appending(path: "v1/keys"), bearer: first.key)
            #expect(third.status == 409)
            let second = sandbox.httpKeys[1]
            let revoke = try await send(
                client, "DELETE", url.appending(path: "v1/keys/\(first.id)"), bearer: second.key)
            #expect(revoke.status == 200)
            #expect(sandbox.httpKeys == [second])
            #expect(
                try await send(client, "DELETE", url.appending(path: "v1/keys/\(first.id)"), bearer: second.key).status
                    == 404)
        }
    }

    @Test func aLoginLeavesEarlierTokensValidAndFaultsApply() async throws {
        try await withSandbox { sandbox, url, client in
            let login = #"{"client_id":"sandbox-client","client_secret":"sandbox-client-secret-1"}"#
            sandbox.inject(try FaultPlan.parse("http-issue=503"))
            #expect(try await send(client, "POST", url.appending(path: "v1/oauth/token"), body: login).status == 503)
            var tokens: [String] = []
            for _ in 0..<2 {
                let response = try await send(client, "POST", url.appending(path: "v1/oauth/token"), body: login)
                let data = try #require(try json(response)["data"] as? [String: String])
                tokens.append(try #require(data["key"]))
            }
            #expect(Set(tokens).isSubset(of: sandbox.httpAcceptedSecrets))
            let wrong = #"{"client_id":"sandbox-client","client_secret":"nope"}"#
            #expect(try await send(client, "POST", url.appending(path: "v1/oauth/token"), body: wrong).status == 401)
            #expect(sandbox.requests.map(\.endpoint).allSatisfy { $0 == "http-issue" })
        }
    }
}
