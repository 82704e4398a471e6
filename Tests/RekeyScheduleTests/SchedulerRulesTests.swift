import Foundation
import RekeyModel
import RekeySchedule
import Testing

@Suite struct SchedulerRulesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let day: TimeInterval = 86_400

    static func job(_ policy: Policy, name: String = "acme-prod") -> Job {
        let here = SourceLocation(file: "t", line: 1, column: 1)
        return Job(
            name: name, tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .env("K")], policy: policy,
            sinks: [SinkSpec(id: "a", kind: .file, path: "/tmp/a", location: here)], location: here)
    }

    static func history(successDaysAgo: Double? = nil) -> JobHistory {
        var history = JobHistory()
        history.lastSuccess = successDaysAgo.map { now - $0 * day }
        return history
    }

    /// With neither a job file time nor an audit event, nothing says since when it is due.
    @Test func aJobNeverRotatedWithNothingToDateItIsDueButNotOverdue() {
        let decision = Scheduler.decide(job: Self.job(Policy(every: .days(30))), history: JobHistory(), now: Self.now)
        #expect(decision.isDue && decision.reason == .neverRotated && !decision.isOverdue)
        #expect(JobState.derive(history: JobHistory(), decision: decision) == .due)
    }

    @Test func ageAtLeastEveryIsDueAndPastGraceIsOverdue() {
        let job = Self.job(Policy(every: .days(30), grace: .days(1)))
        let young = Scheduler.decide(job: job, history: Self.history(successDaysAgo: 29), now: Self.now)
        #expect(!young.isDue && young.nextDue == Self.now + Self.day)
        let due = Scheduler.decide(job: job, history: Self.history(successDaysAgo: 30.5), now: Self.now)
        #expect(due.isDue && !due.isOverdue && due.explanation == "age 30d ≥ every 30d")
        let overdue = Scheduler.decide(job: job, history: Self.history(successDaysAgo: 31.5), now: Self.now)
        #expect(overdue.isOverdue)
        #expect(JobState.derive(history: Self.history(successDaysAgo: 31.5), decision: overdue) == .overdue)
    }

    @Test func anExpiryWithinRenewBeforeIsDue() {
        let job = Self.job(Policy(renewBefore: .days(1)))
        var history = Self.history(successDaysAgo: 6)
        history.expiry = Self.now + 20 * 3600
        let decision = Scheduler.decide(job: job, history: history, now: Self.now)
        #expect(decision.isDue && decision.explanation == "expires in 20h ≤ renew_before 1d")
        history.expiry = Self.now - 60
        #expect(Scheduler.decide(job: job, history: history, now: Self.now).reason == .expired)
    }

    @Test func outsideItsWindowAJobWaitsForTheWindowToOpen() throws {
        let window = try #require(TimeWindow.parse("22:00-04:00"))
        let decision = Scheduler.decide(
            job: Self.job(Policy(every: .days(30), window: window)), history: JobHistory(), now: Self.now)
        #expect(!decision.isDue && decision.dueBySchedule)
        #expect(decision.nextDue == window.nextOpening(atOrAfter: Self.now))
        #expect(
            Scheduler.decide(
                job: Self.job(Policy(every: .days(30), window: window)), history: JobHistory(), now: Self.now,
                force: true
            ).isDue)
    }

    @Test func failuresBackOffOneHourDoublingUpToADay() {
        #expect(Scheduler.failureBackoff(failures: 1) == 3600)
        #expect(Scheduler.failureBackoff(failures: 2) == 7200)
        #expect(Scheduler.failureBackoff(failures: 5) == 57_600)
        #expect(Scheduler.failureBackoff(failures: 6) == 86_400)
        #expect(Scheduler.failureBackoff(failures: 60) == 86_400)
        var history = Self.history(successDaysAgo: 40)
        history.consecutiveFailures = 2
        history.lastFailure = Self.now - 3600
        let waiting = Scheduler.decide(job: Self.job(Policy(every: .days(30))), history: history, now: Self.now)
        #expect(!waiting.isDue && waiting.nextDue == Self.now + 3600)
        #expect(JobState.derive(history: history, decision: waiting) == .failing)
        history.lastFailure = Self.now - 7201
        #expect(Scheduler.decide(job: Self.job(Policy(every: .days(30))), history: history, now: Self.now).isDue)
    }

    @Test func theJitterOffsetIsStableAndWithinRange() {
        let jitter = RekeyDuration.hours(2)
        let offsets = (0..<200).map { Scheduler.jitterOffset(jobName: "job-\($0)", jitter: jitter) }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < 7200 })
        #expect(Set(offsets).count > 150)
        #expect(Scheduler.jitterOffset(jobName: "job-7", jitter: jitter) == offsets[7])
        let job = Self.job(Policy(every: .days(30), jitter: jitter), name: "job-7")
        let decision = Scheduler.decide(job: job, history: Self.history(successDaysAgo: 29), now: Self.now)
        #expect(decision.nextDue == Self.now + Self.day + offsets[7])
    }

    @Test func needsRecoveryIsNeverDueAndHookFailureReRunsOnlyHooks() {
        var history = Self.history(successDaysAgo: 40)
        history.needsRecovery = true
        history.hookFailed = true
        let blocked = Scheduler.decide(
            job: Self.job(Policy(every: .days(30))), history: history, now: Self.now, force: true)
        #expect(!blocked.isDue && JobState.derive(history: history, decision: blocked) == .needsRecovery)
        history.needsRecovery = false
        let hooks = Scheduler.decide(job: Self.job(Policy(every: .days(30))), history: history, now: Self.now)
        #expect(hooks.isDue && hooks.hooksOnly)
        #expect(JobState.derive(history: history, decision: hooks) == .hookFailed)
    }

    @Test func aBaselineCountsAsTheCurrentKey() {
        var history = JobHistory()
        history.baselinedAt = Self.now - 2 * Self.day
        let decision = Scheduler.decide(job: Self.job(Policy(every: .days(30))), history: history, now: Self.now)
        #expect(!decision.isDue && decision.nextDue == Self.now + 28 * Self.day)
    }
}
