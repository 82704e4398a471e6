// The generic `http` provider: requests filled from their templates (values percent-encoded
// in URLs, unsafe ids and header values refused before anything is sent), the new secret
// read only at its JSON Pointer and only when it is a clean string, probes judged by the
// job's works/dead lists, and idempotence from the rotation kind.

import Foundation
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct HTTPProviderTests {
    /// Answers every request with `status` and `body`, and keeps the requests.
    final class RecordingTransport: HTTPTransport {
        let status: Int
        let body: Data
        let sent = Mutex<[VendorRequest]>([])

        init(status: Int = 200, _ body: String) {
            self.status = status
            self.body = Data(body.utf8)
        }

        func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
            sent.withLock { $0.append(request) }
            return VendorResponse(status: status, body: body)
        }

        var requests: [VendorRequest] { sent.withLock { $0 } }
    }

    static func template(_ text: String) -> HTTPTemplate { try! HTTPTemplate(parsing: text) }

    static func spec(
        rotation: HTTPProviderSpec.Rotation = .regenerate, url: String = "https://api.vendor.example/v1/keys",
        secret: String = "/data/key", body: JSONTemplate? = nil, probeURL: String = "https://api.vendor.example/v1/me",
        revokeURL: String = "https://api.vendor.example/v1/keys/{{previous.id}}"
    ) -> HTTPProviderSpec {
        HTTPProviderSpec(
            rotation: rotation,
            issue: .init(
                method: "POST", url: template(url),
                headers: [.init(name: "Authorization", value: template("Bearer {{credentials.api_key}}"))], body: body),
            secret: JSONPointer(secret)!, id: JSONPointer("/data/id"),
            probe: .init(
                request: .init(
                    method: "GET", url: template(probeURL),
                    headers: [.init(name: "Authorization", value: template("Bearer {{secret}}"))]),
                works: [200, 204], dead: [401, 403]),
            revoke: rotation == .twoKey
                ? .init(request: .init(method: "DELETE", url: template(revokeURL))) : nil,
            replaces: "api_key", vars: ["region": "eu west/1"])
    }

    static func provider(_ spec: HTTPProviderSpec, _ transport: RecordingTransport, name: String = "acme-prod")
        -> HTTPProvider
    {
        let here = SourceLocation(file: "t.yaml", line: 1, column: 1)
        let job = Job(
            name: name, tenant: "acme", env: "prod", provider: .http(spec), credentials: ["api_key": .sink("app")],
            policy: Policy(), sinks: [], location: here)
        return HTTPProvider(spec: spec, job: job, transport: transport, clock: ManualClock())
    }

    static let current: ResolvedCredentials = ["api_key": Secret("old-key-0001")]

    @Test func theIssueRequestIsFilledFromItsTemplatesAndTheSecretReadAtItsPointer() async throws {
        let transport = RecordingTransport(#"{"data":{"id":"k2","key":"new-key-0002"},"meta":{"key":"decoy"}}"#)
        let body = JSONTemplate.object([
            .init(key: "name", value: .string(Self.template("rekey \"{{job.name}}\"\n"))),
            .init(key: "n", value: .number("3")),
        ])
        let spec = Self.spec(
            url: "https://api.vendor.example/v1/{{provider.region}}/keys?for={{job.tenant}}", body: body)
        let issued = try await Self.provider(spec, transport).issue(current: Self.current, timeout: .seconds(5))
        #expect(issued.secret.revealed == "new-key-0002")
        let request = try #require(transport.requests.first)
        #expect(request.url.absoluteString == "https://api.vendor.example/v1/eu%20west%2F1/keys?for=acme")
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer old-key-0001") })
        #expect(request.headers.contains { $0 == ("Content-Type", "application/json") })
        let sent = String(decoding: try #require(request.body), as: UTF8.self)
        #expect(sent == #"{"name":"rekey \"acme-prod\"\n","n":3}"#)
        #expect((try? JSONSerialization.jsonObject(with: Data(sent.utf8))) != nil)
    }

    @Test(
        "an answer without a clean string at the pointer is never a key",
        arguments: [
            (#"{"data":{}}"#, "nothing at /data/key"), (#"{"data":{"key":42}}"#, "is not a string"),
            (#"{"data":{"key":null}}"#, "is not a string"), (#"{"data":{"key":{"v":"k"}}}"#, "is not a string"),
            (#"{"data":{"key":""}}"#, "empty or holds whitespace"), (#"{"data":{"key":" k1"}}"#, "empty or holds"),
            (#"{"data":{"key":"new key"}}"#, "empty or holds"), (#"{"data":{"key":"k\n"}}"#, "empty or holds"),
            (#"{"data":{"key":"a","key":"b"}}"#, "twice"), (#"{"data":{"key":"k1"}"#, "not JSON"),
            (#"{"data":["k1"]}"#, "nothing at /data/key"), (#"{"data":{"key":"old-key-0001"}}"#, "the request sent"),
        ])
    func anAnswerWithoutACleanKeyIsMalformed(_ body: String, _ why: String) async throws {
        let transport = RecordingTransport(body)
        do {
            _ = try await Self.provider(Self.spec(), transport).issue(current: Self.current, timeout: .seconds(5))
            Issue.record("took a key from \(body)")
        } catch let error as ProviderError {
            #expect(error.kind == .malformedAnswer)
            #expect(error.description.contains(why), "\(error)")
            // The message names the pointer, never the body.
            #expect(!error.description.contains("k1") && !error.description.contains("new key"))
            #expect(!error.description.contains("old-key-0001"))
        }
    }

    @Test func aPointerReachesIntoArraysAndEscapedNames() async throws {
        let transport = RecordingTransport(#"{"keys":[{"a/b":"x"},{"a/b":"new-key-0002"}]}"#)
        let issued = try await Self.provider(Self.spec(secret: "/keys/1/a~1b"), transport).issue(
            current: Self.current, timeout: .seconds(5))
        #expect(issued.secret.revealed == "new-key-0002")
    }

    @Test func anErrorStatusIsAProviderErrorWithoutTheKeySent() async throws {
        let transport = RecordingTransport(status: 403, #"{"message":"key old-key-0001 lacks scope"}"#)
        await #expect {
            _ = try await Self.provider(Self.spec(), transport).issue(current: Self.current, timeout: .seconds(5))
        } throws: { error in
            let error = error as? ProviderError
            return error?.status == 403 && error?.description.contains("old-key-0001") == false
                && error?.description.contains("<redacted>") == true
        }
    }

    @Test func theProbeFollowsTheJobsWorksAndDeadLists() async {
        for (status, expected) in [(200, ProbeResult.works), (204, .works), (401, .dead), (403, .dead)] {
            let transport = RecordingTransport(status: status, "{}")
            #expect(await Self.provider(Self.spec(), transport).probe(Secret("s1"), timeout: .seconds(5)) == expected)
            #expect(transport.requests.first?.headers.contains { $0 == ("Authorization", "Bearer s1") } == true)
        }
        let transport = RecordingTransport(status: 500, "{}")
        guard case .noAnswer = await Self.provider(Self.spec(), transport).probe(Secret("s1"), timeout: .seconds(5))
        else {
            Issue.record("a 500 is no answer")
            return
        }
    }

    @Test func idempotenceFollowsTheRotationKind() {
        let transport = RecordingTransport("{}")
        #expect(Self.provider(Self.spec(rotation: .login), transport).isIdempotent)
        #expect(!Self.provider(Self.spec(rotation: .regenerate), transport).isIdempotent)
        #expect(!Self.provider(Self.spec(rotation: .twoKey), transport).isIdempotent)
        #expect(Self.provider(Self.spec(), transport).probeConfiguration?.contains("{{secret}}") == false)
    }

    @Test(arguments: ["a/b", "k?x", "k#1", "k%2F", "..", "a..b", "k\r\n", "k\u{0}", ""])
    func anUnsafeIDIsRefusedBeforeAnythingIsSent(_ id: String) throws {
        let spec = Self.spec(rotation: .twoKey)
        let renderer = HTTPRequestRenderer(vendor: "v", job: ("j", "t", "e"), vars: [:])
        #expect(throws: ProviderError.self) {
            _ = try renderer.request(spec.revoke!.request, .init(previousID: id))
        }
        #expect(HTTPRequestRenderer.isSafeID("key_2-a.b~c"))
    }

    @Test func aTwoKeyIssueReadsTheNewCredentialsIDAndKeepsAKeyWithoutOne() async throws {
        let transport = RecordingTransport(#"{"data":{"id":"key_2","key":"new-key-0002"}}"#)
        let provider = Self.provider(Self.spec(rotation: .twoKey), transport)
        #expect(provider.issueAddsCredential)
        #expect(!Self.provider(Self.spec(rotation: .regenerate), transport).issueAddsCredential)
        let issued = try await provider.issue(current: Self.current, timeout: .seconds(5))
        #expect(issued.credentialID == "key_2")
        // A working key whose id is missing (or not a clean string) is still a working key.
        for body in [#"{"data":{"key":"new-key-0003"}}"#, #"{"data":{"id":7,"key":"new-key-0003"}}"#] {
            let noID = try await Self.provider(Self.spec(rotation: .twoKey), RecordingTransport(body)).issue(
                current: Self.current, timeout: .seconds(5))
            #expect(noID.secret.revealed == "new-key-0003" && noID.credentialID == nil)
        }
    }

    @Test func theRevokeNamesTheIDAsOnePercentEncodedPathSegment() async throws {
        let transport = RecordingTransport("{}")
        let provider = Self.provider(Self.spec(rotation: .twoKey), transport)
        try await provider.revoke(
            id: "key 2+é", current: Secret("new-key-0002"), credentials: Self.current, timeout: .seconds(5))
        let request = try #require(transport.requests.first)
        #expect(request.method == "DELETE")
        #expect(request.url.absoluteString == "https://api.vendor.example/v1/keys/key%202%2B%C3%A9")
        // An id that could change where the request goes is never sent.
        await #expect(throws: ProviderError.self) {
            try await provider.revoke(
                id: "../me", current: Secret("new-key-0002"), credentials: Self.current, timeout: .seconds(5))
        }
        #expect(transport.requests.count == 1)
    }

    @Test func aRefusedRevokeIsAProviderErrorWithoutTheKeySent() async throws {
        let transport = RecordingTransport(status: 409, #"{"message":"cannot revoke with new-key-0002"}"#)
        let provider = Self.provider(Self.spec(rotation: .twoKey), transport)
        do {
            try await provider.revoke(
                id: "key_1", current: Secret("new-key-0002"), credentials: Self.current, timeout: .seconds(5))
            Issue.record("a 409 is not a revoke")
        } catch {
            #expect(error.status == 409)
            #expect(!error.description.contains("new-key-0002"))
        }
    }

    @Test func anAmbiguousTwoKeyIssueIsNeverResent() async throws {
        let transport = RecordingTransport(status: 503, "{}")
        let provider = Self.provider(Self.spec(rotation: .twoKey), transport)
        let call = RotationCall(
            provider: provider, jobName: "acme-prod", settings: RetrySettings(attempts: 4, base: .milliseconds(1)),
            clock: ManualClock(), random: SeededRandomSource(seed: 1), settleDelay: .milliseconds(1))
        let outcome = await call.run(current: Self.current, probeSecret: Secret("old-key-0001")) { _ in }
        guard case .mayHaveAddedCredential(let message, let attempts, let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(attempts == 1 && error.status == 503)
        #expect(message.contains("may hold a new credential issued at"))
        #expect(transport.requests.count == 1, "no probe, no retry: the old key works either way")
    }

    @Test func aHeaderValueThatWouldSplitTheRequestIsRefused() async throws {
        let transport = RecordingTransport(#"{"data":{"key":"k2"}}"#)
        await #expect(throws: ProviderError.self) {
            _ = try await Self.provider(Self.spec(), transport).issue(
                current: ["api_key": Secret("old\r\nX-Evil: 1")], timeout: .seconds(5))
        }
        #expect(transport.requests.isEmpty)
    }
}
