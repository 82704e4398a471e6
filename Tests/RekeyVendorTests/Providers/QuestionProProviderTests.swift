// QuestionPro against the sandbox on loopback, through the real VendorHTTPClient: the
// key really rotates, and every injected fault ends where the rules say.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct QuestionProProviderTests {
    /// For calls whose timeout is not what the test is about: the in-process sandbox answers
    /// on the test process's few threads, which the end-to-end suites keep busy at times.
    static let generous: Duration = .seconds(20)

    // MARK: The provider alone

    @Test func aRegenerateRotatesTheKeyAndKillsTheOldOne() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            let provider = h.questionPro()
            #expect(await provider.probe(old, timeout: Self.generous) == .works)
            let issued = try await provider.issue(current: ["api_key": old], timeout: Self.generous)
            #expect(issued.secret.revealed == h.sandbox.questionProKey(organizationID: SandboxHarness.organization))
            #expect(issued.secret != old)
            #expect(issued.requestID?.hasPrefix("sandbox-") == true)
            #expect(await provider.probe(old, timeout: Self.generous) == .dead)
            #expect(await provider.probe(issued.secret, timeout: Self.generous) == .works)
        }
    }

    @Test func theProviderIsNotIdempotentAndCanProbe() {
        let provider = QuestionProProvider(
            spec: QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1"),
            transport: VendorHTTPClientStub(), clock: ManualClock())
        #expect(!provider.isIdempotent)
        #expect(provider.canProbe)
        #expect(provider.kind == .questionProAPIKey)
    }

    @Test func aWrongKeyGetsTheDocumented401() async throws {
        try await SandboxHarness.with { h in
            let error = await #expect(throws: ProviderError.self) {
                _ = try await h.questionPro().issue(
                    current: ["api_key": Secret("not-a-real-key")], timeout: Self.generous)
            }
            #expect(error?.status == 401)
            #expect(error?.vendorErrorName == "UNAUTHORIZED")
            #expect(error?.vendorErrorID == "1010")
            #expect(error?.vendorMessage == "Incorrect API Key")
        }
    }

    @Test func aProbeOfAnUnknownKeyIsDeadAndAProbe5xxIsNoAnswer() async throws {
        try await SandboxHarness.with { h in
            #expect(await h.questionPro().probe(Secret("nope-nope"), timeout: Self.generous) == .dead)
            h.sandbox.inject(.probe, [.status(503)])
            let result = await h.questionPro().probe(h.questionProKey, timeout: Self.generous)
            guard case .noAnswer = result else {
                Issue.record("expected noAnswer, got \(result)")
                return
            }
        }
    }

    @Test func aHugeBodyIsRefusedAsTooLarge() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.hugeBody])
            let error = await #expect(throws: ProviderError.self) {
                // The cap, not the clock, must stop it: a bound a loaded machine cannot hit.
                _ = try await h.questionPro().issue(current: ["api_key": h.questionProKey], timeout: Self.generous)
            }
            #expect(error?.kind == .transport(.bodyTooLarge))
            #expect(error?.headSent == true)
        }
    }

    @Test func aSlowBodyTimesOutAfterTheHeadWasSent() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.slowBody])
            let error = await #expect(throws: ProviderError.self) {
                _ = try await h.questionPro().issue(current: ["api_key": h.questionProKey], timeout: .milliseconds(250))
            }
            #expect(error?.kind == .transport(.timeout))
            #expect(error?.headSent == true)
        }
    }

    // MARK: Faults through the retry engine

    @Test func a503ThenOkIsProbedRetriedAndMustBeVerified() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.status(503), .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (issued, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(mustVerify)
            #expect(issued.secret == h.questionProKey)
            #expect(h.requests(.regenerate).count == 2)
            #expect(h.requests(.probe).count == 1)
        }
    }

    @Test func a429WithRetryAfterZeroIsResentWithoutAProbe() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.status(429, retryAfter: "0"), .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (issued, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(!mustVerify)
            #expect(issued.secret == h.questionProKey)
            #expect(h.clock.sleeps == [.zero])
            #expect(h.requests(.regenerate).count == 2)
            #expect(h.requests(.probe).isEmpty)
        }
    }

    @Test func anExhaustedAllowanceFailsAfterExactlyOneRegenerate() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.status(429, errorID: "1013"), .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (message, attempts, lastError) = expectFailed(outcome) else { return }
            #expect(attempts == 1)
            #expect(lastError?.isAllowanceExhausted == true)
            #expect(message.contains("allowance"))
            #expect(h.requests(.regenerate).count == 1)
            #expect(h.questionProKey == old)
        }
    }

    @Test func aResetBeforeProcessingIsProbedAndRetried() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.resetBefore, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (issued, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(mustVerify)
            #expect(issued.secret == h.questionProKey)
            let regenerates = h.requests(.regenerate)
            #expect(regenerates.count == 2)
            #expect(regenerates.first?.processedAt == nil)
            #expect(h.requests(.probe).count == 1)
        }
    }

    @Test func aResetAfterProcessingLosesTheAnswerAndNeedsRecovery() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.resetAfter, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (message, attempts) = expectNeedsRecovery(outcome) else { return }
            #expect(attempts == 1)
            #expect(message.contains("rekey adopt"))
            // The sandbox did rotate: the old key is gone and nobody holds the new one.
            #expect(h.questionProKey != old)
            let regenerates = h.requests(.regenerate)
            #expect(regenerates.count == 1)
            #expect(regenerates.first?.processedAt != nil)
        }
    }

    @Test func aMalformedAnswerToARegenerateNeedsRecovery() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.malformedJSON, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (message, attempts) = expectNeedsRecovery(outcome) else { return }
            #expect(attempts == 1)
            #expect(message.contains("rekey adopt"))
            #expect(h.questionProKey != old)
            #expect(h.requests(.regenerate).count == 1)
        }
    }

    @Test func theSeedsInvalidJSONErrorIsReadAnyway() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.seedInvalidJSON, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (_, attempts, lastError) = expectFailed(outcome) else { return }
            #expect(attempts == 1)
            #expect(lastError?.status == 401)
            #expect(lastError?.vendorErrorName == "UNAUTHORIZED")
            #expect(lastError?.vendorErrorID == "1010")
            #expect(lastError?.vendorMessage == "Incorrect API Key")
            #expect(h.requests(.regenerate).count == 1)
        }
    }

    @Test func anHTML502IsAmbiguousForARegenerate() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.html, .ok])
            let log = AttemptLog()
            let outcome = await h.rotateQuestionPro(log: log)
            guard let (_, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 2)
            #expect(mustVerify)
            #expect(log.all.first?.httpStatus == 502)
            #expect(log.all.first?.summary.contains("ambiguous") == true)
            #expect(h.requests(.probe).count == 1)
        }
    }

    /// A probe that gets no answer is asked again (no answer is not "dead"); when the old
    /// key then works, the vendor did not rotate and the regenerate is re-sent and verified.
    @Test func anHTML502WithAnUnansweredProbeIsProbedAgainAndRetriedWhenTheOldKeyWorks() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.html, .ok])
            h.sandbox.inject(.probe, [.html])
            let outcome = await h.rotateQuestionPro()
            guard case .issued(_, let attempts, let mustVerify) = outcome else {
                Issue.record("expected issued, got \(outcome)")
                return
            }
            #expect(attempts == 2)
            #expect(mustVerify)
            #expect(h.requests(.regenerate).count == 2)
            #expect(h.requests(.probe).count == 2)
        }
    }

    @Test func aHugeBodyNeedsRecoveryBecauseTheKeyRotated() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.hugeBody, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (message, _) = expectNeedsRecovery(outcome) else { return }
            #expect(message.contains("rekey adopt"))
            #expect(h.questionProKey != old)
            #expect(h.requests(.regenerate).count == 1)
        }
    }

    @Test func aRedirectFailsAndIsNeverFollowed() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.redirect, .ok])
            let outcome = await h.rotateQuestionPro()
            guard let (message, attempts, lastError) = expectFailed(outcome) else { return }
            #expect(attempts == 1)
            #expect(lastError?.status == 302)
            #expect(message.contains("redirect"))
            #expect(h.sandbox.requests.count == 1)
            #expect(h.questionProKey == old)
        }
    }

    @Test func aSlowBodyPastTheTimeoutNeedsRecovery() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.slowBody, .ok])
            var settings = SandboxHarness.settings
            settings.timeout = .milliseconds(250)
            let outcome = await h.rotateQuestionPro(settings: settings)
            guard let (message, attempts) = expectNeedsRecovery(outcome) else { return }
            #expect(attempts == 1)
            #expect(message.contains("rekey adopt"))
            #expect(h.requests(.regenerate).count == 1)
        }
    }

    @Test func addedLatencyIsWaitedOut() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.regenerate, [.latency(.milliseconds(50))])
            let outcome = await h.rotateQuestionPro()
            guard let (_, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 1)
            #expect(!mustVerify)
        }
    }

    @Test func aRefusedConnectionIsRetriedAsNeverSent() async throws {
        // Nothing listens on the port once the sandbox stops: the head never goes out.
        let sandbox = VendorSandbox()
        let url = try await sandbox.start()
        let key = Secret(sandbox.questionProKey(organizationID: "1001") ?? "")
        await sandbox.stop()
        let client = VendorHTTPClient(environment: [:], connectTimeout: .milliseconds(500))
        let provider = QuestionProProvider(
            spec: QuestionProSpec(baseURL: url, organizationID: "1001"), transport: client, clock: ManualClock())
        let error = await #expect(throws: ProviderError.self) {
            _ = try await provider.issue(current: ["api_key": key], timeout: .seconds(1))
        }
        #expect(error?.headSent == false)
        #expect(error.map { FailureClassification.verdict(for: $0, idempotent: false) } == .retry)
        await client.shutdown()
    }
}

/// A transport that must never be used.
struct VendorHTTPClientStub: HTTPTransport {
    func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        throw TransportError(kind: .other, headSent: false, detail: "stub")
    }
}
