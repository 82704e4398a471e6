// The retry engine's hard edges: client errors and an exhausted allowance are never
// retried; attempts, the overall deadline and Retry-After bound every call.

import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

extension RotationCallTests {
    // MARK: Never retried

    // A 401 is never retried either, but on a regenerate it is settled by probing first
    // (RotationCallUnauthorizedTests).
    @Test(arguments: [400, 403, 404])
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
