import Foundation
import RekeyAudit
import RekeyModel
import RekeySchedule
import Testing

/// A known expiry is renewed `renew_before` ahead of it, by default a third of the
/// credential's lifetime (DESIGN "Scheduling"): never *at* expiry.
@Suite struct ExpiryRenewalTests {
    static let issued = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let minute: TimeInterval = 60

    static func adminJob(_ policy: Policy) -> Job {
        let here = SourceLocation(file: "t", line: 1, column: 1)
        return Job(
            name: "acme-prod-qrvey-admin", tenant: "acme", env: "prod",
            provider: .qrveyAdmin(QrveyAdminSpec(baseURL: URL(string: "https://acme.qrveyapp.com")!, username: "u")),
            credentials: ["access_key": .env("K")], policy: policy,
            sinks: [SinkSpec(id: "a", kind: .file, path: "/tmp/a", location: here)], location: here)
    }

    static func event(_ step: AuditStep, at time: Date, expiry: Date? = nil) -> AuditEvent {
        AuditEvent(time: time, runID: "r", step: step, job: "acme-prod-qrvey-admin", expiry: expiry)
    }

    /// A one-hour token issued at `issued` and delivered three seconds later, as the log folds it.
    static var oneHourToken: JobHistory {
        let expiry = issued + 60 * minute
        return JobHistory.fold([
            event(.intent, at: issued - 1), event(.issued, at: issued, expiry: expiry),
            event(.done, at: issued + 3, expiry: expiry),
        ])["acme-prod-qrvey-admin"]!
    }

    @Test func theFoldRecordsWhenTheExpiringSecretWasIssued() {
        let history = Self.oneHourToken
        #expect(history.expiry == Self.issued + 60 * Self.minute)
        #expect(history.issuedAt == Self.issued)
        #expect(history.lifetime == .hours(1))
        var renewed = history
        renewed.apply(Self.event(.issued, at: Self.issued + 40 * Self.minute, expiry: Self.issued + 100 * Self.minute))
        #expect(renewed.issuedAt == Self.issued + 40 * Self.minute && renewed.lifetime == .hours(1))
    }

    @Test func aOneHourTokenIsDueAfterFortyMinutesNotAtExpiryEvenWithEveryTwelveHours() {
        let job = Self.adminJob(Policy(every: .hours(12)))
        let before = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 39 * Self.minute)
        #expect(!before.isDue && before.nextDue == Self.issued + 40 * Self.minute)
        let due = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 40 * Self.minute)
        #expect(due.isDue && due.dueSince == Self.issued + 40 * Self.minute)
        #expect(due.explanation == "expires in 20m ≤ renew_before 20m (⅓ of lifetime 1h)")
        let late = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 61 * Self.minute)
        #expect(late.isDue && late.reason == .expired)
    }

    @Test func anExplicitRenewBeforeWinsOverTheDefaultThird() {
        let job = Self.adminJob(Policy(every: .hours(12), renewBefore: .minutes(5)))
        let notYet = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 40 * Self.minute)
        #expect(!notYet.isDue && notYet.nextDue == Self.issued + 55 * Self.minute)
        let due = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 56 * Self.minute)
        #expect(due.isDue && due.explanation == "expires in 4m ≤ renew_before 5m")
        #expect(Scheduler.renewBefore(job: job, history: Self.oneHourToken)?.renewBefore == .minutes(5))
    }

    @Test func anEveryShorterThanTwoThirdsOfTheLifetimeStillDecides() {
        // Delivered (`done`) three seconds after issue: 30 minutes of age come at +30m03s, before +40m.
        let job = Self.adminJob(Policy(every: .minutes(30)))
        let due = Scheduler.decide(job: job, history: Self.oneHourToken, now: Self.issued + 31 * Self.minute)
        #expect(due.isDue && due.explanation == "age 30m ≥ every 30m")
        #expect(due.dueSince == Self.issued + 30 * Self.minute + 3)
    }

    @Test func withoutAKnownIssueTimeAnExpiryIsRenewedAtExpiry() {
        var history = JobHistory()
        history.lastSuccess = Self.issued
        history.expiry = Self.issued + 60 * Self.minute
        let job = Self.adminJob(Policy(every: .hours(12)))
        #expect(Scheduler.renewBefore(job: job, history: history) == nil)
        #expect(!Scheduler.decide(job: job, history: history, now: Self.issued + 59 * Self.minute).isDue)
        #expect(Scheduler.decide(job: job, history: history, now: Self.issued + 60 * Self.minute).reason == .expired)
    }
}
