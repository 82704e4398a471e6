// No secret in any message: every fault scenario is run against the sandbox, and every
// ProviderError description, attempt summary, outcome message and probe answer is
// scanned for every key, access key and token the sandbox knew or issued.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct ProviderSecretLeakTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var endpoint: SandboxEndpoint
        var faults: [SandboxFault]
        var probeFaults: [SandboxFault] = []
        var wrongCredential = false
        var testDescription: String {
            "\(endpoint.rawValue)=\(faults.map(\.description).joined(separator: ","))"
                + (probeFaults.isEmpty ? "" : " probe=\(probeFaults.map(\.description).joined(separator: ","))")
                + (wrongCredential ? " (wrong credential)" : "")
        }
    }

    static let everyFault: [[SandboxFault]] = [
        [.ok], [.status(503), .ok], [.status(503), .status(503), .status(503)], [.status(429, retryAfter: "0"), .ok],
        [.status(429, errorID: "1013")], [.status(400)], [.status(403)], [.status(404)], [.resetBefore, .ok],
        [.resetAfter], [.replayed401], [.status(401), .ok],
        [.malformedJSON], [.seedInvalidJSON], [.html, .ok], [.hugeBody], [.slowBody], [.redirect],
        [.latency(.milliseconds(5))],
    ]

    static let scenarios: [Scenario] =
        [SandboxEndpoint.regenerate, .adminLogin, .composerToken].flatMap { endpoint in
            everyFault.map { Scenario(endpoint: endpoint, faults: $0) }
        } + [
            Scenario(endpoint: .regenerate, faults: [.status(503)], probeFaults: [.status(503)]),
            Scenario(endpoint: .regenerate, faults: [.resetBefore], probeFaults: [.resetBefore]),
            Scenario(endpoint: .regenerate, faults: [.status(502), .status(401)], probeFaults: [.ok]),
            Scenario(endpoint: .regenerate, faults: [], wrongCredential: true),
            Scenario(endpoint: .adminLogin, faults: [], wrongCredential: true),
            Scenario(endpoint: .composerToken, faults: [], wrongCredential: true),
        ]

    /// Every text a run of `scenario` can show a person or write to a log, and the secrets it was issued.
    static func run(_ scenario: Scenario, _ h: SandboxHarness) async -> (texts: [String], issued: [String]) {
        h.sandbox.inject(scenario.endpoint, scenario.faults)
        h.sandbox.inject(.probe, scenario.probeFaults)
        var settings = SandboxHarness.settings
        settings.timeout = .milliseconds(400)
        let provider: any Provider
        let current: ResolvedCredentials
        switch scenario.endpoint {
        case .adminLogin:
            provider = h.qrveyAdmin()
            current = ["access_key": scenario.wrongCredential ? Secret("wrong-admin-access-key") : h.adminAccessKey]
        case .composerToken:
            provider = h.qrveyComposer()
            current = ["api_key": scenario.wrongCredential ? Secret("wrong-composer-api-key") : h.composerAPIKey]
        default:
            provider = h.questionPro()
            current = ["api_key": scenario.wrongCredential ? Secret("wrong-questionpro-key") : h.questionProKey]
        }
        let old = current.values.first!
        let log = AttemptLog()
        let outcome = await RotationCall(
            provider: provider, jobName: "leak-job", settings: settings, clock: h.clock,
            random: SeededRandomSource(seed: 5),
            settleDelay: .milliseconds(1)
        ).run(current: current, probeSecret: old) { log.add($0) }

        var issuedSecrets: [String] = []
        var texts = log.all.flatMap { [$0.summary, $0.vendorErrorName ?? "", $0.vendorErrorID ?? "", "\($0)"] }
        texts.append("\(outcome)")
        switch outcome {
        case .issued(let issued, _, _):
            issuedSecrets.append(issued.secret.revealed)
            texts.append("\(issued)")
            texts.append("\(issued.secret)")
            // A probe of the new and the old key: the answers are shown too.
            texts.append("\(await provider.probe(issued.secret, timeout: .milliseconds(400)))")
            texts.append("\(await provider.probe(old, timeout: .milliseconds(400)))")
        case .failed(let message, _, let error):
            texts.append(message)
            if let error {
                texts += [
                    error.description, error.errorDescription ?? "", error.vendorMessage ?? "", "\(error)",
                    String(reflecting: error),
                ]
            }
        case .needsRecovery(let message, _), .unsettled(let message, _), .mayHaveAddedCredential(let message, _, _):
            texts.append(message)
        }
        // One plain attempt too, to see the raw error.
        do {
            let issued = try await provider.issue(current: current, timeout: .milliseconds(400))
            issuedSecrets.append(issued.secret.revealed)
            texts.append("\(issued)")
        } catch {
            texts += ["\(error)", error.localizedDescription, String(reflecting: error)]
        }
        return (texts, issuedSecrets)
    }

    /// Every secret the sandbox holds, was sent, or handed out.
    static func secrets(_ h: SandboxHarness, issued: [String] = []) -> Set<String> {
        var all = Set(h.sandbox.questionProAccounts.map(\.apiKey))
        all.formUnion(h.sandbox.adminUsers.values)
        all.formUnion(h.sandbox.composerAPIKeys)
        for request in h.sandbox.requests {
            if let key = request.headers["api-key"] { all.insert(key) }
            if let key = request.headers["x-api-key"] { all.insert(key) }
            if let object = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any],
                let accessKey = object["accessKey"] as? String
            {
                all.insert(accessKey)
            }
        }
        all.formUnion(issued)
        return all.filter { $0.count >= 4 }
    }

    @Test(arguments: scenarios)
    func noMessageContainsASecret(_ scenario: Scenario) async throws {
        var options = SandboxOptions()
        options.awkwardKeys = true
        try await SandboxHarness.with(options: options) { h in
            let (texts, issued) = await Self.run(scenario, h)
            let secrets = Self.secrets(h, issued: issued)
            #expect(secrets.count >= 3)
            for text in texts {
                for secret in secrets {
                    #expect(!text.contains(secret), "a message shows a secret: \(text.prefix(80))…")
                }
            }
        }
    }

    @Test func aVendorMessageEchoingTheKeyIsScrubbed() async throws {
        let key = "echoed-key-0123456789"
        let provider = QuestionProProvider(
            spec: QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1"),
            transport: EchoingTransport(), clock: ManualClock())
        let error = await #expect(throws: ProviderError.self) {
            _ = try await provider.issue(current: ["api_key": Secret(key)], timeout: .seconds(1))
        }
        let text =
            error.map { "\($0) \($0.vendorMessage ?? "") \($0.vendorErrorName ?? "") \($0.vendorErrorID ?? "")" } ?? ""
        #expect(text.contains("<redacted>"))
        #expect(!text.contains(key))
    }

    @Test func issuedSecretsAndTheirOutcomesPrintRedacted() {
        let issued = IssuedSecret(secret: Secret("top-secret-token"), requestID: "r-1")
        let outcome = RotationCallOutcome.issued(issued, attempts: 1, mustVerify: false)
        for text in ["\(issued)", "\(outcome)", String(reflecting: outcome), "\(issued.secret)"] {
            #expect(!text.contains("top-secret-token"))
        }
    }
}

/// A vendor that quotes the key it was sent back in its error message, in every field.
struct EchoingTransport: HTTPTransport {
    func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        let key = request.headers.first { $0.0 == "api-key" }?.1 ?? ""
        let body = #"{"response":{"error":{"name":"BAD \#(key)","id":"\#(key)","message":"Key \#(key) is not valid"}}}"#
        return VendorResponse(status: 400, body: Data(body.utf8))
    }
}
