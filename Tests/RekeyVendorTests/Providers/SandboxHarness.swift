// Shared by the provider × sandbox tests: a fresh VendorSandbox on loopback and a real
// VendorHTTPClient per test, a manual clock (no real waits between attempts), and
// small timeouts so every fault resolves in milliseconds.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

struct SandboxHarness: Sendable {
    let sandbox: VendorSandbox
    let url: URL
    let client: VendorHTTPClient
    let clock: ManualClock

    static let settings = RetrySettings(
        attempts: 3, base: .milliseconds(10), max: .milliseconds(40), timeout: LoopbackTimeout.answer,
        deadline: .seconds(120))

    /// Starts a sandbox, runs `body`, and always stops it and the client.
    static func with<T>(
        options: SandboxOptions = SandboxOptions(), connectTimeout: Duration = .seconds(10),
        _ body: (SandboxHarness) async throws -> T
    ) async throws -> T {
        try await SandboxSession.with(options: options, connectTimeout: connectTimeout) { sandbox, url, client in
            try await body(SandboxHarness(sandbox: sandbox, url: url, client: client, clock: ManualClock()))
        }
    }

    // MARK: QuestionPro

    static let organization = "1001"

    var questionProKey: Secret { Secret(sandbox.questionProKey(organizationID: Self.organization) ?? "") }

    func questionPro(probePath: String = QuestionProSpec.defaultProbePath) -> QuestionProProvider {
        QuestionProProvider(
            spec: QuestionProSpec(baseURL: url, organizationID: Self.organization, probePath: probePath),
            transport: client,
            clock: clock)
    }

    /// A regenerate through the retry engine with the account's current key.
    func rotateQuestionPro(
        settings: RetrySettings = SandboxHarness.settings, log: AttemptLog = AttemptLog()
    ) async -> RotationCallOutcome {
        let key = questionProKey
        return await RotationCall(
            provider: questionPro(), jobName: "qp-job", settings: settings, clock: clock,
            random: SeededRandomSource(seed: 1),
            settleDelay: .milliseconds(5)
        ).run(current: ["api_key": key], probeSecret: key) { log.add($0) }
    }

    // MARK: Qrvey

    static let adminUser = "admin@sandbox.example"
    var adminAccessKey: Secret { Secret(sandbox.adminUsers[Self.adminUser] ?? "") }
    var composerAPIKey: Secret { Secret(sandbox.composerAPIKeys.first ?? "") }

    func qrveyAdmin(username: String = SandboxHarness.adminUser, path: String = QrveyAdminSpec.defaultPath)
        -> QrveyAdminProvider
    {
        QrveyAdminProvider(
            spec: QrveyAdminSpec(baseURL: url, username: username, path: path), transport: client, clock: clock)
    }

    func qrveyComposer(expiresIn: String? = "2h", clientID: String? = "client-7") -> QrveyComposerProvider {
        QrveyComposerProvider(
            spec: QrveyComposerSpec(
                baseURL: url, userID: "user-1", appID: "app-1", clientID: clientID, expiresIn: expiresIn),
            transport: client, clock: clock)
    }

    func call(_ provider: any Provider, log: AttemptLog = AttemptLog()) -> RotationCall {
        RotationCall(
            provider: provider, jobName: "qrvey-job", settings: Self.settings, clock: clock,
            random: SeededRandomSource(seed: 2),
            settleDelay: .milliseconds(5))
    }

    // MARK: The sandbox's log

    func requests(_ endpoint: SandboxEndpoint) -> [SandboxRequest] {
        sandbox.requests.filter { $0.endpoint == endpoint.rawValue }
    }
}

/// Unwraps an outcome's case, recording an issue when it is another one.
func expectIssued(_ outcome: RotationCallOutcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (
    IssuedSecret, attempts: Int, mustVerify: Bool
)? {
    if case .issued(let issued, let attempts, let mustVerify) = outcome { return (issued, attempts, mustVerify) }
    Issue.record("expected issued, got \(outcome)", sourceLocation: sourceLocation)
    return nil
}

func expectFailed(_ outcome: RotationCallOutcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (
    String, attempts: Int, lastError: ProviderError?
)? {
    if case .failed(let message, let attempts, let lastError) = outcome { return (message, attempts, lastError) }
    Issue.record("expected failed, got \(outcome)", sourceLocation: sourceLocation)
    return nil
}

func expectNeedsRecovery(_ outcome: RotationCallOutcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (
    String, attempts: Int
)? {
    if case .needsRecovery(let message, let attempts) = outcome { return (message, attempts) }
    Issue.record("expected needsRecovery, got \(outcome)", sourceLocation: sourceLocation)
    return nil
}
