import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule
import Testing

/// A job that has never been rotated is overdue once it has been due for longer than
/// `grace`, due since the earlier of its first audit event and its job file's
/// modification time (`Job.declaredAt`).
@Suite struct NeverRotatedOverdueTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static func job(declaredHoursAgo: Double?, grace: RekeyDuration = .days(1)) -> Job {
        var job = SchedulerRulesTests.job(Policy(every: .days(30), grace: grace))
        job.declaredAt = declaredHoursAgo.map { now - $0 * hour }
        return job
    }

    @Test func aJobDeclaredLongerAgoThanGraceIsOverdue() {
        let decision = Scheduler.decide(job: Self.job(declaredHoursAgo: 72), history: JobHistory(), now: Self.now)
        #expect(decision.isDue && decision.reason == .neverRotated && decision.isOverdue)
        #expect(decision.dueSince == Self.now - 72 * Self.hour)
        #expect(JobState.derive(history: JobHistory(), decision: decision) == .overdue)
    }

    @Test func withinGraceItIsOnlyDue() {
        let decision = Scheduler.decide(job: Self.job(declaredHoursAgo: 23), history: JobHistory(), now: Self.now)
        #expect(decision.isDue && !decision.isOverdue)
        #expect(JobState.derive(history: JobHistory(), decision: decision) == .due)
    }

    @Test func itsFirstAuditEventCountsWhenEarlierThanTheFile() {
        // The file was edited an hour ago, but a run tried the job two days ago.
        let history = JobHistory.fold([
            AuditEvent(time: Self.now - 48 * Self.hour, runID: "r", step: .preflightFailed, job: "acme-prod")
        ])["acme-prod"]!
        let job = Self.job(declaredHoursAgo: 1)
        #expect(Scheduler.neverRotatedDueSince(job: job, history: history) == Self.now - 48 * Self.hour)
        let decision = Scheduler.decide(job: job, history: history, now: Self.now)
        #expect(decision.isOverdue)
        #expect(JobState.derive(history: history, decision: decision) == .failing)
        #expect(!Scheduler.decide(job: Self.job(declaredHoursAgo: 1), history: JobHistory(), now: Self.now).isOverdue)
    }

    @Test func aBaselinedJobIsNotNeverRotated() {
        var history = JobHistory()
        history.baselinedAt = Self.now - 48 * Self.hour
        let decision = Scheduler.decide(job: Self.job(declaredHoursAgo: 24 * 10), history: history, now: Self.now)
        #expect(!decision.isDue && !decision.isOverdue && decision.reason == .notYetDue)
        #expect(JobState.derive(history: history, decision: decision) == .ok)
    }

    @Test func graceIsTheJobsOwn() {
        let decision = Scheduler.decide(
            job: Self.job(declaredHoursAgo: 3, grace: .hours(2)), history: JobHistory(), now: Self.now)
        #expect(decision.isOverdue)
    }
}
