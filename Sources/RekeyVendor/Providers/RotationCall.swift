// One job's vendor call, with retries and the ambiguous-failure rules: a regenerate is
// re-sent only after a 429, after a failure before its request head went out, or after
// a probe shows the old key still works (after a 401 such a probe ends the call as
// failed instead). Everything else that might have rotated the key ends in
// `needsRecovery`, never in a blind retry and never in "success".

import Foundation
import RekeyModel

/// One attempt, for the audit log (no secrets).
public struct AttemptRecord: Sendable, Hashable {
    public var attempt: Int
    public var httpStatus: Int?
    public var vendorErrorName: String?
    public var vendorErrorID: String?
    public var latencyMilliseconds: Int?
    /// `issued`, or what failed and what rekey does next.
    public var summary: String
}

public enum RotationCallOutcome: Sendable {
    /// A new secret. `mustVerify`: an earlier attempt was ambiguous, so probe the new key.
    case issued(IssuedSecret, attempts: Int, mustVerify: Bool)
    /// Nothing changed at the vendor (as far as can be known); later runs retry.
    case failed(String, attempts: Int, lastError: ProviderError?)
    /// The vendor may hold a key nobody has: an operator must act (`rekey adopt`).
    case needsRecovery(String, attempts: Int)
    /// The vendor may have rotated, and no probe of the old key answered within the settle
    /// window: later runs probe again before anything else happens to the job.
    case unsettled(String, attempts: Int)
    /// A two-key issue's answer was lost: the vendor may hold a new credential nobody has,
    /// beside the old one, which still works. Nothing is lost and nothing is re-sent (that
    /// would add yet another credential); the message names the credential to look for.
    case mayHaveAddedCredential(String, attempts: Int, lastError: ProviderError)
}

public struct RotationCall: Sendable {
    public let provider: any Provider
    public let jobName: String
    public let settings: RetrySettings
    public let clock: any RekeyClock
    public let random: any RandomSource
    public let settleDelay: Duration
    /// How long probes of the old key are retried, after an ambiguous attempt, while they
    /// get no answer (DESIGN step 3: up to 5 minutes in the run).
    public var settleWindow: Duration = .seconds(300)
    /// True once the process was asked to stop: no further attempt of a non-idempotent
    /// call starts (an attempt already sent is still awaited and its answer kept).
    public let stopRequested: @Sendable () -> Bool
    /// Fleet: whether the job's lease is still held with time for another attempt (asked
    /// of the database, which renews it); checked before a non-idempotent call is re-sent
    /// (a lock on one host: always).
    public var leaseHeld: @Sendable () async -> Bool = { true }

    public init(
        provider: any Provider, jobName: String, settings: RetrySettings, clock: any RekeyClock,
        random: any RandomSource, settleDelay: Duration = .seconds(2),
        stopRequested: @escaping @Sendable () -> Bool = { false }
    ) {
        self.provider = provider
        self.jobName = jobName
        self.settings = settings
        self.clock = clock
        self.random = random
        self.settleDelay = settleDelay
        self.stopRequested = stopRequested
    }

    private func lostAnswerMessage(_ what: String) -> String {
        "the vendor may have rotated the key but its answer was lost (\(what)); rekey will not guess. Get the current key from the vendor and \(NextStep.adopt(job: jobName))"
    }

    private func rejectedButWorksMessage(_ failure: ProviderError) -> String {
        let id = failure.vendorErrorID.map { " (error \($0))" } ?? ""
        return
            "\(failure.vendor) answered 401\(id) to the regenerate, but a probe right after shows the old key works: the key was rejected and still works: nothing changed. Not re-sent in this run; the next run tries again. If it repeats, check for a proxy or gateway between rekey and the vendor"
    }

    /// `probeSecret` is the current (old) key, probed after an ambiguous failure.
    public func run(
        current: ResolvedCredentials, probeSecret: Secret?, observe: @Sendable (AttemptRecord) async -> Void
    ) async -> RotationCallOutcome {
        let policy = RetryPolicy(settings: settings, random: random)
        let deadline = clock.now() + settings.deadline.seconds
        var attempt = 0
        var afterAmbiguous = false
        while true {
            if attempt > 0, !provider.isIdempotent, stopRequested() {
                return .failed(
                    "a stop was requested, so rekey sent no further regenerate; the vendor answered every attempt it was sent, so nothing changed",
                    attempts: attempt, lastError: nil)
            }
            if attempt > 0, !provider.isIdempotent, !(await leaseHeld()) {
                return .failed(
                    "the job's fleet lease is no longer held with time for another attempt (taken over, or the database stopped confirming it), so rekey sent no further regenerate; the vendor answered every attempt it was sent, so nothing changed, and the job's next holder rotates it",
                    attempts: attempt, lastError: nil)
            }
            attempt += 1
            let started = clock.now()
            do {
                // The last attempt gets only what is left of the overall deadline.
                let remaining = Duration.milliseconds(Int64(max(0.001, deadline.timeIntervalSince(started)) * 1000))
                let issued = try await provider.issue(current: current, timeout: min(settings.timeout, remaining))
                await observe(
                    AttemptRecord(
                        attempt: attempt, httpStatus: 200,
                        latencyMilliseconds: Int(clock.now().timeIntervalSince(started) * 1000), summary: "issued"))
                return .issued(issued, attempts: attempt, mustVerify: afterAmbiguous)
            } catch {
                let failure =
                    error as? ProviderError
                    ?? ProviderError(
                        vendor: provider.kind.rawValue, kind: .transport(.other), vendorMessage: "\(error)")
                let verdict = FailureClassification.verdict(for: failure, idempotent: provider.isIdempotent)
                var record = AttemptRecord(
                    attempt: attempt, httpStatus: failure.status, vendorErrorName: failure.vendorErrorName,
                    vendorErrorID: failure.vendorErrorID, latencyMilliseconds: failure.latencyMilliseconds,
                    summary: "\(failure)")

                if afterAmbiguous && failure.status == 401 {
                    record.summary += "; rejected after an ambiguous attempt"
                    await observe(record)
                    return .needsRecovery(
                        lostAnswerMessage("a retry after an unanswered attempt was rejected with 401"),
                        attempts: attempt)
                }
                switch verdict {
                case .fail:
                    record.summary += "; not retried"
                    await observe(record)
                    return .failed("\(failure)", attempts: attempt, lastError: failure)

                case .retry:
                    guard attempt < settings.attempts else {
                        record.summary += "; no attempts left"
                        await observe(record)
                        return .failed("\(failure) (after \(attempt) attempts)", attempts: attempt, lastError: failure)
                    }
                    let wait = policy.delay(afterAttempt: attempt, retryAfterSeconds: failure.retryAfterSeconds)
                    guard clock.now() + wait.seconds < deadline else {
                        record.summary += "; the next wait (\(wait)) passes the deadline"
                        await observe(record)
                        return .failed(
                            "\(failure); gave up: waiting \(wait) more would pass the \(settings.deadline) deadline",
                            attempts: attempt, lastError: failure)
                    }
                    record.summary += "; retrying in \(wait)"
                    await observe(record)
                    try? await clock.sleep(for: wait)

                case .ambiguous where provider.issueAddsCredential:
                    // Probing the old key tells nothing here: it works whether or not the
                    // vendor added a credential. Fail, and say what may be left behind.
                    record.summary += "; not re-sent: the vendor may have added a credential"
                    await observe(record)
                    return .mayHaveAddedCredential(
                        "\(failure); the vendor may hold a new credential issued at \(Timestamps.iso8601(started)) that no sink has",
                        attempts: attempt, lastError: failure)

                case .ambiguous:
                    guard provider.canProbe, let probeSecret else {
                        await observe(record)
                        return .needsRecovery(lostAnswerMessage("\(failure)"), attempts: attempt)
                    }
                    record.summary += "; ambiguous: probing the old key"
                    await observe(record)
                    try? await clock.sleep(for: settleDelay)
                    switch await settle(probeSecret, policy: policy) {
                    case .works where failure.status == 401:
                        // Rejected, yet the key works: the vendor did nothing. Re-sending a
                        // regenerate that was refused would be guessing: stop here.
                        return .failed(rejectedButWorksMessage(failure), attempts: attempt, lastError: failure)
                    case .works:
                        // The vendor did not rotate: re-sending is safe, and the result gets verified.
                        afterAmbiguous = true
                        guard attempt < settings.attempts, clock.now() < deadline else {
                            return .failed(
                                "\(failure); the old key still works, so nothing changed (no attempts left)",
                                attempts: attempt, lastError: failure)
                        }
                    case .dead:
                        return .needsRecovery(
                            lostAnswerMessage("\(failure); the old key is now rejected"), attempts: attempt)
                    case .noAnswer(let why):
                        return .unsettled(
                            "the vendor may have rotated the key (\(failure)) and the old key could not be checked for \(settleWindow) (\(why)); rekey probes it again on each run and starts no regenerate until a probe answers",
                            attempts: attempt)
                    }
                }
            }
        }
    }

    /// Probes the old key until it answers (works or dead), retrying with the job's backoff
    /// while it does not, for up to `settleWindow`. "No answer" is not "dead".
    private func settle(_ oldKey: Secret, policy: RetryPolicy) async -> ProbeResult {
        let giveUp = clock.now() + settleWindow.seconds
        var probes = 0
        while true {
            probes += 1
            let result = await provider.probe(oldKey, timeout: settings.timeout)
            guard case .noAnswer = result else { return result }
            // Never more often than the settle delay: an outage is not helped by hammering.
            let wait = max(policy.delay(afterAttempt: probes, retryAfterSeconds: nil), settleDelay)
            guard clock.now() + wait.seconds < giveUp else { return result }
            try? await clock.sleep(for: wait)
        }
    }
}
