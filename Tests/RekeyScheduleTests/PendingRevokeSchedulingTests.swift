import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule
import RekeyTestSupport
import Testing

/// A two-key job's pending revoke, as the history folds it and the scheduler reads it: the
/// job issues nothing new while it is pending (forced or not), the revoke falls due at the
/// end of its overlap, a failed one waits out the failure backoff, and the state shows
/// `revoke-pending` or `revoke-failed` until `revoked`.
@Suite struct PendingRevokeSchedulingTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let job = HTTPJobs.twoKeyJob(
        directory: "/srv/app", baseURL: URL(string: "https://api.vendor.example")!, after: .hours(1))

    static func event(_ step: AuditStep, at seconds: TimeInterval, id: String? = nil, expiry: Date? = nil)
        -> AuditEvent
    {
        var event = AuditEvent(time: start + seconds, runID: "r", step: step, job: job.name, provider: "http")
        event.credentialID = id
        event.expiry = expiry
        event.newFingerprint = step == .done ? "fp-new" : nil
        return event
    }

    /// A rotation done at `start` whose previous credential `key_1` is revoked an hour later.
    static var pending: [AuditEvent] {
        [
            event(.issued, at: 0, id: "key_2"), event(.done, at: 0, id: "key_2"),
            event(.revokePending, at: 0, id: "key_1", expiry: start + 3600),
        ]
    }

    static func history(_ events: [AuditEvent]) -> JobHistory {
        JobHistory.fold(events)[job.name] ?? JobHistory()
    }

    @Test func theFoldKeepsTheIDToRevokeAndWhenUntilItIsRevoked() {
        var history = Self.history(Self.pending)
        #expect(history.currentCredentialID == "key_2")
        #expect(history.pendingRevokeID == "key_1")
        #expect(history.revokeDue == Self.start + 3600)
        history = Self.history(Self.pending + [Self.event(.revoked, at: 3600, id: "key_1")])
        #expect(history.pendingRevokeID == nil && history.revokeDue == nil)
        #expect(history.currentCredentialID == "key_2")
    }

    @Test func nothingNewIsIssuedBeforeTheRevokeAndItFallsDueAtTheEndOfTheOverlap() {
        let history = Self.history(Self.pending)
        for force in [false, true] {
            let early = Scheduler.decide(job: Self.job, history: history, now: Self.start + 1800, force: force)
            #expect(!early.isDue && !early.revokeOnly)
            #expect(early.nextDue == Self.start + 3600)
            #expect(early.reason == .revokePending(due: Self.start + 3600))
        }
        #expect(JobState.derive(history: history, decision: nil) == .revokePending)
        let due = Scheduler.decide(job: Self.job, history: history, now: Self.start + 3600)
        #expect(due.isDue && due.revokeOnly && due.reason == .revokeDue)
    }

    @Test func aFailedRevokeWaitsOutTheFailureBackoffAndShowsAsRevokeFailed() {
        let failed = Self.history(Self.pending + [Self.event(.revokeFailed, at: 3600, id: "key_1")])
        #expect(failed.revokeFailures == 1)
        #expect(failed.consecutiveFailures == 0, "a revoke failure is not a rotation failure")
        #expect(JobState.derive(history: failed, decision: nil) == .revokeFailed)
        let held = Scheduler.decide(job: Self.job, history: failed, now: Self.start + 3600 + 60)
        #expect(!held.isDue)
        #expect(held.reason == .revokeRetrying(failures: 1, retryAt: Self.start + 7200))
        #expect(held.explanation.contains("revoke of the previous credential failed 1 time"))
        #expect(Scheduler.decide(job: Self.job, history: failed, now: Self.start + 7200).revokeOnly)
        // Named on the command line (`rekey run --job X`), the backoff does not hold it back.
        #expect(
            Scheduler.decide(job: Self.job, history: failed, now: Self.start + 3660, ignoreBackoff: true).revokeOnly)
        let twice = Self.history(
            Self.pending + [Self.event(.revokeFailed, at: 3600, id: "key_1"), Self.event(.revokeFailed, at: 7200)])
        #expect(
            Scheduler.decide(job: Self.job, history: twice, now: Self.start + 7260).reason
                == .revokeRetrying(failures: 2, retryAt: Self.start + 7200 + 7200))
    }

    @Test func aHookFailureComesBeforeTheRevoke() {
        // The app may still hold the old credential until its reload hook ran.
        var events = Self.pending
        var hook = Self.event(.hook, at: 0)
        hook.exitCode = 1
        events.insert(hook, at: 1)
        let history = Self.history(events)
        let decision = Scheduler.decide(job: Self.job, history: history, now: Self.start + 3600)
        #expect(decision.hooksOnly && !decision.revokeOnly)
        #expect(JobState.derive(history: history, decision: decision) == .hookFailed)
    }

    @Test func anAdoptedSecretHasNoKnownID() {
        let history = Self.history(Self.pending + [Self.event(.revoked, at: 3600), Self.event(.adopted, at: 4000)])
        #expect(history.currentCredentialID == nil)
    }
}
