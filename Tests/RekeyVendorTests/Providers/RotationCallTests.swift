// The retry / ambiguous-failure engine against a scripted provider and a manual clock:
// a regenerate is re-sent only after a 429, a failure before the head was sent, or a
// probe that says the old key works; every other doubt ends in needs-recovery.

import Foundation
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyModel
@testable import RekeyVendor

/// A provider that answers from a script: one result per `issue` call and per `probe` call.
final class ScriptedProvider: Provider {
    enum IssueStep: Sendable {
        case ok(String)
        case fail(ProviderError)
    }

    private struct State {
        var issues: [IssueStep]
        var probes: [ProbeResult]
        var issueCalls = 0
        var probeCalls: [Secret] = []
        var timeouts: [Duration] = []
    }

    private let state: Mutex<State>
    let isIdempotent: Bool
    let canProbe: Bool
    var kind: ProviderKind { isIdempotent ? .qrveyAdminToken : .questionProAPIKey }

    init(idempotent: Bool, canProbe: Bool = true, issues: [IssueStep], probes: [ProbeResult] = []) {
        self.isIdempotent = idempotent
        self.canProbe = canProbe
        state = Mutex(State(issues: issues, probes: probes))
    }

    var issueCalls: Int { state.withLock { $0.issueCalls } }
    var probeCalls: [Secret] { state.withLock { $0.probeCalls } }
    var timeouts: [Duration] { state.withLock { $0.timeouts } }

    func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        let step: IssueStep = state.withLock { s in
            s.issueCalls += 1
            s.timeouts.append(timeout)
            return s.issues.isEmpty
                ? .fail(ProviderError(vendor: "Script", kind: .status(418))) : s.issues.removeFirst()
        }
        switch step {
        case .ok(let key): return IssuedSecret(secret: Secret(key))
        case .fail(let error): throw error
        }
    }

    func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        state.withLock { s in
            s.probeCalls.append(secret)
            return s.probes.isEmpty ? .noAnswer("script exhausted") : s.probes.removeFirst()
        }
    }
}

extension ProviderError {
    static func http(_ code: Int, id: String? = nil, retryAfter: Double? = nil) -> ProviderError {
        ProviderError(vendor: "Script", kind: .status(code), vendorErrorID: id, retryAfterSeconds: retryAfter)
    }

    static func network(headSent: Bool) -> ProviderError {
        ProviderError(
            vendor: "Script",
            transport: TransportError(kind: headSent ? .connectionClosed : .connect, headSent: headSent, detail: ""))
    }
}

/// Collects the attempt records a call reports.
final class AttemptLog: Sendable {
    private let records = Mutex<[AttemptRecord]>([])
    var all: [AttemptRecord] { records.withLock { $0 } }
    func add(_ record: AttemptRecord) { records.withLock { $0.append(record) } }
}

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

    @Test func anAmbiguousFailureWithAnUnansweredProbeNeedsRecovery() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.network(headSent: true)), .ok("never")],
            probes: [.noAnswer("the probe answered 502")])
        let outcome = await run(provider)
        guard case .needsRecovery(let message, let attempts) = outcome else {
            Issue.record("expected needsRecovery, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(message.contains("rekey adopt"))
        #expect(message.contains("the probe answered 502"))
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

    @Test func a401WithoutAnEarlierAmbiguousAttemptIsAPlainFailure() async throws {
        let provider = ScriptedProvider(
            idempotent: false, issues: [.fail(.network(headSent: false)), .fail(.http(401))])
        let outcome = await run(provider)
        guard case .failed(_, let attempts, let lastError) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(lastError?.status == 401)
    }

    // MARK: Never retried

    @Test(arguments: [400, 401, 403, 404])
    func aClientErrorIsNeverRetried(_ code: Int) async throws {
        for idempotent in [true, false] {
            let provider = ScriptedProvider(
                idempotent: idempotent, issues: [.fail(.http(code)), .ok("never")], probes: [.works])
            let outcome = await run(provider)
            guard case .failed(_, let attempts, let lastError) = outcome else {
                Issue.record("expected failed, got \(outcome)")
                return
            }
            #expect(attempts == 1)
            #expect(lastError?.status == code)
            #expect(provider.issueCalls == 1)
            #expect(provider.probeCalls.isEmpty)
        }
        #expect(clock.sleeps.isEmpty)
    }

    @Test func anExhaustedAllowanceIsNeverRetried() async throws {
        for idempotent in [true, false] {
            let provider = ScriptedProvider(
                idempotent: idempotent, issues: [.fail(.http(429, id: "1013", retryAfter: 1)), .ok("never")])
            let outcome = await run(provider)
            guard case .failed(let message, let attempts, _) = outcome else {
                Issue.record("expected failed, got \(outcome)")
                return
            }
            #expect(attempts == 1)
            #expect(provider.issueCalls == 1)
            #expect(message.contains("allowance"))
        }
        #expect(clock.sleeps.isEmpty)
        #expect(log.all.allSatisfy { $0.summary.contains("not retried") })
    }

    // MARK: Limits

    @Test func runningOutOfAttemptsFails() async throws {
        let provider = ScriptedProvider(idempotent: true, issues: Array(repeating: .fail(.http(503)), count: 10))
        let outcome = await run(provider)
        guard case .failed(let message, let attempts, let lastError) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 4)
        #expect(provider.issueCalls == 4)
        #expect(lastError?.status == 503)
        #expect(message.contains("after 4 attempts"))
        #expect(clock.sleeps.count == 3)
        #expect(log.all.last?.summary.contains("no attempts left") == true)
    }

    @Test func anAmbiguousLastAttemptWithAWorkingKeyFailsWithoutResending() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.http(503)), .ok("never")], probes: [.works])
        let outcome = await run(
            provider, settings: RetrySettings(attempts: 1, timeout: .seconds(5), deadline: .seconds(60)))
        guard case .failed(let message, let attempts, _) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(provider.issueCalls == 1)
        #expect(message.contains("still works"))
    }

    @Test func theDeadlineStopsRetries() async throws {
        // Retry-After 50 s twice would pass a 60 s deadline: one wait, then give up.
        let provider = ScriptedProvider(
            idempotent: true, issues: Array(repeating: .fail(.http(429, retryAfter: 50)), count: 10))
        let outcome = await run(
            provider,
            settings: RetrySettings(
                attempts: 10, base: .seconds(1), max: .seconds(8), timeout: .seconds(5), deadline: .seconds(60)))
        guard case .failed(let message, let attempts, _) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(attempts == 2)
        #expect(provider.issueCalls == 2)
        #expect(clock.sleeps == [.seconds(50)])
        #expect(message.contains("deadline"))
    }

    @Test func aRetryAfterBeyondTheDeadlineIsNotWaitedFor() async throws {
        let provider = ScriptedProvider(idempotent: false, issues: [.fail(.http(429, retryAfter: 3600)), .ok("never")])
        let outcome = await run(provider)
        guard case .failed = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(provider.issueCalls == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func theTimeoutIsPassedToEveryAttempt() async throws {
        let provider = ScriptedProvider(idempotent: true, issues: [.fail(.http(503)), .ok("t")])
        _ = await run(
            provider, settings: RetrySettings(attempts: 3, timeout: .milliseconds(750), deadline: .seconds(60)))
        #expect(provider.timeouts == [.milliseconds(750), .milliseconds(750)])
    }
}
