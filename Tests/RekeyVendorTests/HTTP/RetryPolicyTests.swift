// Backoff ceilings, full jitter from a seeded source, and Retry-After parsing — no real time.

import Foundation
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct RetryPolicyTests {
    static func policy(base: Duration = .seconds(1), max: Duration = .seconds(8), seed: UInt64 = 42) -> RetryPolicy {
        RetryPolicy(settings: RetrySettings(attempts: 10, base: base, max: max), random: SeededRandomSource(seed: seed))
    }

    @Test func theCeilingDoublesPerAttemptUpToTheMaximum() {
        let policy = Self.policy()
        let ceilings = (1...6).map { policy.ceiling(afterAttempt: $0) }
        #expect(ceilings == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    }

    @Test func aHugeAttemptNumberStaysAtTheMaximum() {
        #expect(Self.policy().ceiling(afterAttempt: 10_000) == .seconds(8))
    }

    @Test func fullJitterStaysWithinZeroAndTheCeiling() {
        let policy = Self.policy(seed: 7)
        for attempt in 1...6 {
            for _ in 0..<200 {
                let delay = policy.delay(afterAttempt: attempt, retryAfterSeconds: nil)
                #expect(delay >= .zero)
                #expect(delay < policy.ceiling(afterAttempt: attempt))
            }
        }
    }

    @Test func fullJitterSpreadsOverTheWholeRange() {
        let policy = Self.policy(seed: 9)
        let delays = (0..<400).map { _ in policy.delay(afterAttempt: 4, retryAfterSeconds: nil) }
        #expect(delays.contains { $0 < .seconds(2) })
        #expect(delays.contains { $0 > .seconds(6) })
    }

    @Test func theSameSeedGivesTheSameDelays() {
        let a = Self.policy(seed: 1234)
        let b = Self.policy(seed: 1234)
        let first = (1...5).map { a.delay(afterAttempt: $0, retryAfterSeconds: nil) }
        let second = (1...5).map { b.delay(afterAttempt: $0, retryAfterSeconds: nil) }
        #expect(first == second)
    }

    @Test func retryAfterReplacesTheJitter() {
        let policy = Self.policy()
        #expect(policy.delay(afterAttempt: 1, retryAfterSeconds: 12) == .seconds(12))
        #expect(policy.delay(afterAttempt: 1, retryAfterSeconds: 0) == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfterSeconds: 0.25) == .milliseconds(250))
    }

    @Test func retryAfterInSecondsIsRead() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == 120)
        #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == 0)
    }

    @Test func retryAfterAsAnHTTPDateIsRelativeToNow() {
        // Wed, 21 Oct 2015 07:28:00 GMT
        let date = Date(timeIntervalSince1970: 1_445_412_480)
        let now = date - 90
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 90)
    }

    @Test func anHTTPDateInThePastMeansNoWait() {
        let now = Date(timeIntervalSince1970: 1_445_412_480 + 3600)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 0)
    }

    @Test(arguments: [nil, "", "  ", "soon", "-5", "Wed, 41 Oct 2015 07:28:00 GMT"])
    func unreadableRetryAfterIsIgnored(_ value: String?) {
        #expect(RetryPolicy.parseRetryAfter(value, now: Date(timeIntervalSince1970: 0)) == nil)
    }
}
