// The retry / ambiguous-failure engine against a scripted provider and a manual clock:
// a regenerate is re-sent only after a 429, a failure before the head was sent, or a
// probe that says the old key works; every other doubt ends in needs-recovery.

import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct RotationCallTests {
    let clock = ManualClock()
    let log = AttemptLog()
    static let oldKey = Secret("old-key-123456")
    static let settle: Duration = .milliseconds(1500)

    func run(
        _ provider: ScriptedProvider,
        settings: RetrySettings = RetrySettings(
            attempts: 4, base: .seconds(1), max: .seconds(8), timeout: .seconds(5), deadline: .seconds(120))
    ) async -> RotationCallOutcome {
        let call = RotationCall(
            provider: provider, jobName: "survey-key", settings: settings, clock: clock,
            random: SeededRandomSource(seed: 3), settleDelay: Self.settle)
        let log = self.log
        return await call.run(current: ["api_key": Self.oldKey], probeSecret: Self.oldKey) { log.add($0) }
    }

    // MARK: Success and idempotent retries

    @Test func aFirstTrySuccessIsIssuedWithoutVerification() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.ok("new-1")])
        let outcome = await run(provider)
        guard case .issued(let issued, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(issued.secret.revealed == "new-1")
        #expect(attempts == 1)
        #expect(!mustVerify)
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls.isEmpty)
        #expect(clock.sleeps.isEmpty)
        #expect(log.all.map(\.summary) == ["issued"])
    }

    @Test(arguments: [
        ProviderError.http(429), .http(500), .http(503), .network(headSent: true), .network(headSent: false),
    ])
    func anIdempotentCallIsRetriedAfter(_ failure: ProviderError) async throws {
        let provider = ScriptedProvider(idempotent: true, issues: [.fail(failure), .fail(failure), .ok("token")])
        let outcome = await run(provider)
        guard case .issued(_, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(attempts == 3)
        #expect(!mustVerify)
        #expect(provider.issueCalls == 3)
        #expect(provider.probeCalls.isEmpty)
        // Full jitter: the waits lie under 1 s, then under 2 s.
        let sleeps = clock.sleeps
        try #require(sleeps.count == 2)
        #expect(sleeps[0] < .seconds(1))
        #expect(sleeps[1] < .seconds(2))
    }

    @Test func theAttemptRecordsSayWhatHappened() async throws {
        let provider = ScriptedProvider(idempotent: true, issues: [.fail(.http(503)), .ok("token")])
        _ = await run(provider)
        let records = log.all
        try #require(records.count == 2)
        #expect(records[0].attempt == 1)
        #expect(records[0].httpStatus == 503)
        #expect(records[0].summary.contains("retrying in"))
        #expect(records[1].attempt == 2)
        #expect(records[1].summary == "issued")
    }

    // MARK: Non-idempotent: re-sent only in three cases

    @Test func aRegenerateIsResentAfterA429HonouringRetryAfter() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.http(429, retryAfter: 7)), .ok("new")])
        let outcome = await run(provider)
        guard case .issued(_, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(!mustVerify)
        #expect(provider.issueCalls == 2)
        #expect(provider.probeCalls.isEmpty)
        #expect(clock.sleeps == [.seconds(7)])
    }

    /// Fleet: between attempts the lease must still be held with time for another one; a
    /// host that lost it, or whose database stopped confirming it, sends no further regenerate (nothing
    /// changed at the vendor: a regenerate is only re-sent when the last one changed nothing).
    @Test func aRegenerateIsNotResentOnceTheLeaseIsNoLongerHeld() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.http(429, retryAfter: 7)), .ok("new")])
        var call = RotationCall(
            provider: provider, jobName: "survey-key", settings: RetrySettings(), clock: clock,
            random: SeededRandomSource(seed: 3), settleDelay: Self.settle)
        call.leaseHeld = { false }
        let outcome = await call.run(current: ["api_key": Self.oldKey], probeSecret: Self.oldKey) { _ in }
        guard case .failed(let message, let attempts, _) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(message.contains("lease"), "\(message)")
        #expect(message.contains("nothing changed"), "\(message)")
    }

    @Test func aRegenerateIsResentAfterAFailureBeforeTheHeadWasSent() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.network(headSent: false)), .ok("new")])
        let outcome = await run(provider)
        guard case .issued(_, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(!mustVerify)
        #expect(provider.issueCalls == 2)
        #expect(provider.probeCalls.isEmpty)
    }

    @Test(arguments: [
        ProviderError.http(503), .http(500), .network(headSent: true),
        ProviderError(vendor: "S", kind: .malformedAnswer),
    ])
    func anAmbiguousRegenerateIsResentOnlyWhenTheOldKeyStillWorks(_ failure: ProviderError) async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(failure), .ok("new")], probes: [.works])
        let outcome = await run(provider)
        guard case .issued(let issued, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(issued.secret.revealed == "new")
        #expect(attempts == 2)
        #expect(mustVerify)
        #expect(provider.issueCalls == 2)
        #expect(provider.probeCalls == [Self.oldKey])
        // The settle delay comes before the probe; the retry follows at once.
        #expect(clock.sleeps == [Self.settle])
        #expect(log.all.first?.summary.contains("ambiguous") == true)
    }

    @Test func mustVerifyStaysSetAfterALaterPlainRetry() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.http(502)), .fail(.http(429, retryAfter: 1)), .ok("new")],
            probes: [.works])
        let outcome = await run(provider)
        guard case .issued(_, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(attempts == 3)
        #expect(mustVerify)
        #expect(clock.sleeps == [Self.settle, .seconds(1)])
    }

    // MARK: needs-recovery

    @Test func anAmbiguousFailureWithADeadOldKeyNeedsRecovery() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.http(503)), .ok("never")], probes: [.dead])
        let outcome = await run(provider)
        guard case .needsRecovery(let message, let attempts) = outcome else {
            Issue.record("expected needsRecovery, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls.count == 1)
        #expect(clock.sleeps == [Self.settle])
        #expect(message.contains("rekey adopt"))
        #expect(message.contains("survey-key"))
        #expect(message.contains("rejected"))
    }

    /// "No answer" is not "dead": the old key is probed again, with backoff, for the settle
    /// window; only then is the job unsettled (probed again by later runs), never needs-recovery.
    @Test func anAmbiguousFailureWithAnUnansweredProbeIsProbedForFiveMinutesThenUnsettled() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.network(headSent: true)), .ok("never")],
            probes: [.noAnswer("the probe answered 502")])
        let outcome = await run(provider)
        guard case .unsettled(let message, let attempts) = outcome else {
            Issue.record("expected unsettled, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls.count > 3)
        #expect(clock.sleeps.dropFirst().reduce(Duration.zero, +) <= .seconds(300))
        #expect(message.contains("probes it again on each run"))
        #expect(message.contains("could not be checked"))
    }

    @Test func aProbeThatAnswersLaterInTheSettleWindowDecides() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.network(headSent: true)), .ok("new-key")],
            probes: [.noAnswer("the probe answered 502"), .noAnswer("timeout"), .works])
        let outcome = await run(provider)
        guard case .issued(let issued, let attempts, let mustVerify) = outcome else {
            Issue.record("expected issued, got \(outcome)")
            return
        }
        #expect(issued.secret.revealed == "new-key")
        #expect(attempts == 2)
        #expect(mustVerify)
        #expect(provider.probeCalls.count == 3)
    }

    @Test func anAmbiguousFailureWithoutAProbeNeedsRecovery() async throws {
        let provider = ScriptedProvider(idempotent: false, canProbe: false, issues: [.fail(.http(503)), .ok("never")])
        let outcome = await run(provider)
        guard case .needsRecovery(let message, _) = outcome else {
            Issue.record("expected needsRecovery, got \(outcome)")
            return
        }
        #expect(provider.issueCalls == 1)
        #expect(provider.probeCalls.isEmpty)
        #expect(message.contains("rekey adopt"))
    }

    @Test func a401OnTheRetryAfterAnAmbiguousAttemptNeedsRecovery() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.http(503)), .fail(.http(401, id: "1010"))], probes: [.works])
        let outcome = await run(provider)
        guard case .needsRecovery(let message, let attempts) = outcome else {
            Issue.record("expected needsRecovery, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(provider.issueCalls == 2)
        #expect(message.contains("rekey adopt"))
        #expect(message.contains("401"))
        #expect(log.all.last?.summary.contains("after an ambiguous attempt") == true)
    }

}
