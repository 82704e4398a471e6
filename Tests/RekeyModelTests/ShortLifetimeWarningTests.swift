import Foundation
import RekeyModel
import Testing

/// A credential that lives less than the time between runs is a warning that says the
/// lifetime, the interval and what to do.
@Suite struct ShortLifetimeWarningTests {
    static func composer(expiresIn: String?) -> Job {
        let here = SourceLocation(file: "t", line: 1, column: 1)
        return Job(
            name: "acme-prod-qrvey-composer", tenant: "acme", env: "prod",
            provider: .qrveyComposer(
                QrveyComposerSpec(
                    baseURL: URL(string: "https://acme.qrveyapp.com")!, userID: "u", appID: "a", expiresIn: expiresIn)),
            credentials: ["api_key": .env("K")], policy: Policy(every: .hours(12)),
            sinks: [SinkSpec(id: "a", kind: .file, path: "/tmp/a", location: here)], location: here)
    }

    @Test func aComposerJobStatesItsLifetimeWithExpiresIn() {
        #expect(Self.composer(expiresIn: "60m").statedLifetime == .hours(1))
        #expect(Self.composer(expiresIn: nil).statedLifetime == nil)
        var questionPro = Self.composer(expiresIn: "60m")
        questionPro.provider = .questionPro(
            QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1"))
        #expect(questionPro.statedLifetime == nil)
    }

    @Test func anHourAgainstTheDefaultDayWarnsAndSaysWhatToDo() throws {
        let job = Self.composer(expiresIn: "60m")
        let warning = try #require(
            ShortLifetimeWarning.check(job: job, lifetime: job.statedLifetime, interval: RunInterval()))
        #expect(warning.message.contains("lives 1h"))
        #expect(warning.message.contains("1d (run_interval)"))
        #expect(warning.hint.contains("run rekey more often") && warning.hint.contains("expires_in"))
    }

    @Test func runningMoreOftenThanTheLifetimeSilencesIt() {
        let job = Self.composer(expiresIn: "60m")
        #expect(
            ShortLifetimeWarning.check(job: job, lifetime: .hours(1), interval: .init(configured: .minutes(30))) == nil)
        #expect(ShortLifetimeWarning.check(job: job, lifetime: nil, interval: RunInterval()) == nil)
        // …unless the log shows the runs are in fact further apart.
        let observed = ShortLifetimeWarning.check(
            job: job, lifetime: .hours(1), interval: .init(configured: .minutes(30), observed: .hours(2)))
        #expect(observed?.message.contains("median gap") == true)
    }
}
