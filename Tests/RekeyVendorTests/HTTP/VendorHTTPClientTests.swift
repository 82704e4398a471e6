// The shared HTTP client against the sandbox: User-Agent, no redirects followed, the
// 1 MiB cap, timeouts that know the head was sent, plain http only to loopback, proxies.

import Foundation
import RekeyModel
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyVendor

@Suite struct VendorHTTPClientTests {
    /// For calls whose timeout is not what the test is about: the in-process sandbox answers
    /// on the test process's few threads, which the end-to-end suites keep busy at times.
    static let generous: Duration = .seconds(20)

    func probeRequest(_ h: SandboxHarness) -> VendorRequest {
        VendorRequest(
            method: "GET", url: h.url.appendingPathComponent("a/api/v2/organizations/1001/users"),
            headers: [("api-key", h.questionProKey.revealed)])
    }

    @Test func everyRequestCarriesTheRekeyUserAgent() async throws {
        try await SandboxHarness.with { h in
            let response = try await h.client.send(probeRequest(h), timeout: Self.generous)
            #expect(response.status == 200)
            #expect(h.sandbox.requests.first?.headers["user-agent"] == "rekey/\(RekeyVersion.current)")
        }
    }

    @Test func aRedirectIsReturnedNotFollowed() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.probe, [.redirect])
            let response = try await h.client.send(probeRequest(h), timeout: Self.generous)
            #expect(response.status == 302)
            #expect(response.header("location") == "https://attacker.example/steal")
            #expect(h.sandbox.requests.count == 1)
        }
    }

    @Test func aBodyOverOneMebibyteIsRefused() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.hugeBody])
            let request = VendorRequest(
                method: "GET", url: h.url.appendingPathComponent("a/api/v2/apikey/regenerate"),
                headers: [("api-key", h.questionProKey.revealed)])
            let error = await #expect(throws: TransportError.self) {
                // The cap, not the clock, must stop it: a bound a loaded machine cannot hit.
                _ = try await h.client.send(request, timeout: Self.generous)
            }
            #expect(error?.kind == .bodyTooLarge)
            #expect(error?.headSent == true)
        }
    }

    @Test func aTimeoutAfterTheHeadIsReportedAsSuch() async throws {
        try await SandboxHarness.with { h in
            // A timeout the head is sure to beat even on a loaded machine (150 ms was not, at
            // the start of a full test run), and a vendor slower than that.
            h.sandbox.inject(.probe, [.latency(.seconds(5))])
            let error = await #expect(throws: TransportError.self) {
                _ = try await h.client.send(probeRequest(h), timeout: .seconds(2))
            }
            #expect(error?.kind == .timeout)
            #expect(error?.headSent == true)
            #expect(error?.description.contains("after the request was sent") == true)
        }
    }

    @Test func aDroppedConnectionIsClosedAfterTheHead() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.probe, [.resetBefore])
            let error = await #expect(throws: TransportError.self) {
                _ = try await h.client.send(probeRequest(h), timeout: .seconds(2))
            }
            #expect(error?.headSent == true)
            #expect(error?.kind != .connect)
        }
    }

    /// A caller that throws before `shutdown()` (a test's `try`, a cancelled run) drops a
    /// client that has connected: that must never stop the process.
    @Test func aClientDroppedWithoutShutdownAfterAFailedSendDoesNotStopTheProcess() async throws {
        let client = VendorHTTPClient(environment: [:])
        let request = VendorRequest(method: "GET", url: URL(string: "http://127.0.0.1:1/a")!, headers: [])
        await #expect(throws: TransportError.self) {
            _ = try await client.send(request, timeout: .seconds(1))
        }
    }

    @Test func plainHTTPToARemoteHostIsRefusedBeforeConnecting() async throws {
        let client = VendorHTTPClient(environment: [:])
        let request = VendorRequest(
            method: "GET", url: URL(string: "http://api.questionpro.com/a")!, headers: [("api-key", "k")])
        let error = await #expect(throws: TransportError.self) {
            _ = try await client.send(request, timeout: .seconds(1))
        }
        #expect(error?.kind == .insecureURL)
        #expect(error?.headSent == false)
        await client.shutdown()
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080", true), ("http://localhost/x", true), ("http://[::1]:9/", true),
        ("http://127.9.9.9", true),
        ("http://10.0.0.1", false), ("http://localhost.evil.example", false), ("http://128.0.0.1", false),
        ("http://127.attacker.example", false), ("http://127.0.0.1.nip.io", false),
    ])
    func loopbackIsRecognised(_ text: String, _ loopback: Bool) {
        #expect(URL(string: text)!.isLoopback == loopback)
    }

    @Test func httpsProxyIsReadFromTheEnvironment() {
        #expect(VendorHTTPClient.proxy(from: [:]) == nil)
        #expect(VendorHTTPClient.proxy(from: ["HTTPS_PROXY": ""]) == nil)
        #expect(VendorHTTPClient.proxy(from: ["HTTPS_PROXY": "http://proxy.corp:8080"]) != nil)
        #expect(VendorHTTPClient.proxy(from: ["https_proxy": "proxy.corp"]) != nil)
    }
}
