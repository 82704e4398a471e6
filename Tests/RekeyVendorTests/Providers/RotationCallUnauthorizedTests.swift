// A 401 on a regenerate is ambiguous: an intermediary may have replayed the request after
// the vendor rotated the key. It is settled by probing the old key, like any lost answer;
// an idempotent login keeps treating 401 as a plain failure that is not retried.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

extension RotationCallTests {
    @Test func a401OnARegenerateWhoseOldKeyStillWorksFailsWithoutResending() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.http(401, id: "1010")), .ok("never")], probes: [.works])
        let outcome = await run(provider)
        guard case .failed(let message, let attempts, let lastError) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(lastError?.status == 401)
        #expect(message.contains("the key was rejected and still works: nothing changed"))
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls == [Self.oldKey])
        #expect(clock.sleeps == [Self.settle])
        #expect(log.all.map(\.attempt) == [1])
        #expect(log.all.first?.summary.contains("probing the old key") == true)
    }

    @Test func a401OnARegenerateWhoseOldKeyIsDeadNeedsRecovery() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.http(401, id: "1010")), .ok("never")], probes: [.dead])
        let outcome = await run(provider)
        guard case .needsRecovery(let message, let attempts) = outcome else {
            Issue.record("expected needsRecovery, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls == [Self.oldKey])
        #expect(clock.sleeps == [Self.settle])
        #expect(message.contains("rekey adopt"))
        #expect(message.contains("survey-key"))
        #expect(message.contains("the old key is now rejected"))
    }

    @Test func a401OnARegenerateWhoseOldKeyCannotBeCheckedIsUnsettled() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.http(401)), .ok("never")],
            probes: [.noAnswer("the probe answered 503")])
        let outcome = await run(provider)
        guard case .unsettled(let message, let attempts) = outcome else {
            Issue.record("expected unsettled, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(message.contains("the old key could not be checked"))
        #expect(message.contains("401"))
    }

    @Test func a401AfterAFailureBeforeTheHeadWasSentIsSettledByProbing() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.network(headSent: false)), .fail(.http(401))], probes: [.works])
        let outcome = await run(provider)
        guard case .failed(let message, let attempts, let lastError) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(lastError?.status == 401)
        #expect(message.contains("nothing changed"))
        #expect(provider.probeCalls == [Self.oldKey])
    }

    @Test func anIdempotentLoginTreatsA401AsAPlainFailureWithoutProbing() async throws {
        let provider = ScriptedProvider(idempotent: true, issues: [.fail(.http(401)), .ok("never")], probes: [.works])
        let outcome = await run(provider)
        guard case .failed(_, let attempts, let lastError) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(lastError?.status == 401)
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls.isEmpty)
        #expect(clock.sleeps.isEmpty)
        #expect(log.all.last?.summary.contains("not retried") == true)
    }

    @Test func a401NoRequestWasSentForIsAPlainFailure() async throws {
        // The provider refuses before sending anything (no api_key credential): nothing to settle.
        let provider = QuestionProProvider(
            spec: QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1"),
            transport: VendorHTTPClientStub(), clock: clock)
        let call = RotationCall(
            provider: provider, jobName: "survey-key", settings: RetrySettings(), clock: clock,
            random: SeededRandomSource(seed: 3), settleDelay: Self.settle)
        let outcome = await call.run(current: [:], probeSecret: Self.oldKey) { _ in }
        guard case .failed(_, let attempts, _) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func aSandbox401TheVendorDidNotActOnIsSettledAsNothingChanged() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.status(401, errorID: "1010"), .ok])
            guard let (message, attempts, _) = expectFailed(await h.rotateQuestionPro()) else { return }
            #expect(attempts == 1)
            #expect(message.contains("nothing changed"))
            #expect(h.requests(.regenerate).count == 1)
            #expect(h.requests(.probe).count == 1)
            #expect(h.questionProKey == old)
        }
    }

    @Test func aSandbox401AfterTheVendorRotatedNeedsRecovery() async throws {
        try await SandboxHarness.with { h in
            let old = h.questionProKey
            h.sandbox.inject(.regenerate, [.replayed401, .ok])
            guard let (message, attempts) = expectNeedsRecovery(await h.rotateQuestionPro()) else { return }
            #expect(attempts == 1)
            #expect(message.contains("rekey adopt"))
            #expect(message.contains("the old key is now rejected"))
            #expect(!message.contains(old.revealed))
            #expect(!message.contains(h.questionProKey.revealed))
            #expect(h.requests(.regenerate).count == 1)
            #expect(h.requests(.probe).count == 1)
            #expect(h.questionProKey != old)
        }
    }
}
