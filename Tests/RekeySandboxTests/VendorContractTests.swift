// The requests rekey's providers send, as the sandbox recorded them, match the vendor
// contracts (README, "Provider kinds"): method, path, header names, body field names.

import Foundation
import RekeyModel
import RekeySandbox
import RekeyTestSupport
import RekeyVendor
import Testing

@Suite struct VendorContractTests {
    /// Runs `body` against a fresh sandbox and returns what it recorded.
    func recorded(_ body: (VendorSandbox, URL, VendorHTTPClient) async throws -> Void) async throws -> [SandboxRequest]
    {
        try await SandboxSession.with { sandbox, url, client in
            try await body(sandbox, url, client)
            return sandbox.requests
        }
    }

    func expectUserAgent(_ request: SandboxRequest, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let agent = request.headers["user-agent"] ?? ""
        #expect(agent.hasPrefix("rekey/"), sourceLocation: sourceLocation)
        #expect(agent == "rekey/\(RekeyVersion.current)", sourceLocation: sourceLocation)
    }

    func fields(_ body: String) throws -> [String: String] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
    }

    @Test func questionProRegenerateAndProbeFollowTheContract() async throws {
        var key = ""
        let requests = try await recorded { sandbox, url, client in
            key = sandbox.questionProKey(organizationID: "1001") ?? ""
            let provider = QuestionProProvider(
                spec: QuestionProSpec(baseURL: url, organizationID: "1001"), transport: client, clock: ManualClock())
            _ = await provider.probe(Secret(key), timeout: LoopbackTimeout.answer)
            _ = try await provider.issue(current: ["api_key": Secret(key)], timeout: LoopbackTimeout.answer)
        }
        try #require(requests.count == 2)
        let probe = requests[0]
        let regenerate = requests[1]

        #expect(probe.method == "GET")
        #expect(probe.path == "/a/api/v2/organizations/1001/users?page=1&perPage=1")
        #expect(probe.headers["api-key"] == key)
        expectUserAgent(probe)

        #expect(regenerate.method == "GET")
        #expect(regenerate.path == "/a/api/v2/apikey/regenerate")
        #expect(regenerate.headers["api-key"] == key)
        #expect(regenerate.headers["x-api-key"] == nil)
        #expect(regenerate.headers["authorization"] == nil)
        #expect(regenerate.body.isEmpty)
        expectUserAgent(regenerate)
    }

    @Test func aConfiguredProbePathIsUsedWithTheOrganizationSubstituted() async throws {
        let requests = try await recorded { sandbox, url, client in
            let provider = QuestionProProvider(
                spec: QuestionProSpec(
                    baseURL: url, organizationID: "1002", probePath: "/a/api/v2/organizations/{organization_id}/users"),
                transport: client, clock: ManualClock())
            #expect(
                await provider.probe(
                    Secret(sandbox.questionProKey(organizationID: "1002") ?? ""), timeout: LoopbackTimeout.answer)
                    == .works)
        }
        #expect(requests.map(\.path) == ["/a/api/v2/organizations/1002/users"])
    }

    @Test func qrveyAdminLoginFollowsTheContract() async throws {
        let requests = try await recorded { sandbox, url, client in
            let provider = QrveyAdminProvider(
                spec: QrveyAdminSpec(baseURL: url, username: "admin@sandbox.example"), transport: client,
                clock: ManualClock())
            _ = try await provider.issue(
                current: ["access_key": Secret(sandbox.adminUsers["admin@sandbox.example"] ?? "")],
                timeout: LoopbackTimeout.answer
            )
        }
        let login = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(login.method == "POST")
        #expect(login.path == "/api/admin/v6/login")
        #expect(login.headers["content-type"] == "application/json")
        expectUserAgent(login)
        #expect(Set(try fields(login.body).keys) == ["username", "accessKey"])
        #expect(try fields(login.body)["username"] == "admin@sandbox.example")
    }

    @Test func qrveyComposerTokenFollowsTheContract() async throws {
        var apiKey = ""
        let requests = try await recorded { sandbox, url, client in
            apiKey = sandbox.composerAPIKeys.first ?? ""
            let provider = QrveyComposerProvider(
                spec: QrveyComposerSpec(baseURL: url, userID: "u-1", appID: "a-1", clientID: "c-1", expiresIn: "1h"),
                transport: client, clock: ManualClock())
            _ = try await provider.issue(current: ["api_key": Secret(apiKey)], timeout: LoopbackTimeout.answer)
        }
        let token = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(token.method == "POST")
        #expect(token.path == "/devapi/v4/core/login/token")
        #expect(token.headers["x-api-key"] == apiKey)
        #expect(token.headers["api-key"] == nil)
        #expect(token.headers["content-type"] == "application/json")
        expectUserAgent(token)
        #expect(try fields(token.body) == ["userid": "u-1", "appid": "a-1", "expiresIn": "1h", "clientid": "c-1"])
    }

    @Test func optionalComposerFieldsAreLeftOutWhenUnset() async throws {
        let requests = try await recorded { sandbox, url, client in
            let provider = QrveyComposerProvider(
                spec: QrveyComposerSpec(baseURL: url, userID: "u-1", appID: "a-1"), transport: client,
                clock: ManualClock())
            _ = try await provider.issue(
                current: ["api_key": Secret(sandbox.composerAPIKeys.first ?? "")], timeout: LoopbackTimeout.answer)
        }
        #expect(Set(try fields(try #require(requests.first).body).keys) == ["userid", "appid"])
    }

    @Test func noRedirectIsFollowed() async throws {
        let requests = try await recorded { sandbox, url, client in
            sandbox.inject(.regenerate, [.redirect])
            let provider = QuestionProProvider(
                spec: QuestionProSpec(baseURL: url, organizationID: "1001"), transport: client, clock: ManualClock())
            await #expect(throws: ProviderError.self) {
                _ = try await provider.issue(
                    current: ["api_key": Secret(sandbox.questionProKey(organizationID: "1001") ?? "")],
                    timeout: LoopbackTimeout.answer)
            }
        }
        #expect(requests.count == 1)
        #expect(requests.first?.status == 302)
    }

    @Test func theLogRecordsWhenEachAnswerWasProcessedAndSent() async throws {
        let requests = try await recorded { sandbox, url, client in
            sandbox.inject(.regenerate, [.resetAfter])
            let provider = QuestionProProvider(
                spec: QuestionProSpec(baseURL: url, organizationID: "1001"), transport: client, clock: ManualClock())
            let key = Secret(sandbox.questionProKey(organizationID: "1001") ?? "")
            _ = try? await provider.issue(current: ["api_key": key], timeout: LoopbackTimeout.answer)
            _ = await provider.probe(key, timeout: LoopbackTimeout.answer)
        }
        try #require(requests.count == 2)
        #expect(requests[0].fault == "reset-after")
        #expect(requests[0].processedAt != nil)
        #expect(requests[0].sentAt == nil)
        #expect(requests[1].processedAt != nil)
        #expect(requests[1].status == 401)
    }

    @Test func aReplayed401RotatesTheKeyYetAnswersIncorrectAPIKey() async throws {
        var oldKey = ""
        var newKey = ""
        let requests = try await recorded { sandbox, url, client in
            sandbox.inject(.regenerate, [.replayed401])
            let provider = QuestionProProvider(
                spec: QuestionProSpec(baseURL: url, organizationID: "1001"), transport: client, clock: ManualClock())
            oldKey = sandbox.questionProKey(organizationID: "1001") ?? ""
            let error = await #expect(throws: ProviderError.self) {
                _ = try await provider.issue(current: ["api_key": Secret(oldKey)], timeout: LoopbackTimeout.answer)
            }
            #expect(error?.status == 401)
            #expect(error?.vendorErrorID == "1010")
            newKey = sandbox.questionProKey(organizationID: "1001") ?? ""
        }
        #expect(newKey != oldKey)
        #expect(requests.first?.processedAt != nil)
        #expect(requests.first?.status == 401)
    }
}
