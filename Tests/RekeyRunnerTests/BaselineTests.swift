// `rekey baseline` marks what it can as fresh, and says which jobs it cannot: a job whose
// only schedule is its token's expiry has no expiry rekey knows yet, so a baseline would
// leave it "never rotated" while claiming it baselined.

import Foundation
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

@Suite struct BaselineTests {
    static func composerJob(directory: String) -> Job {
        let here = SourceLocation(file: "composer.yaml", line: 1, column: 1)
        return Job(
            name: "acme-composer", tenant: "acme", env: "prod",
            provider: .qrveyComposer(
                QrveyComposerSpec(
                    baseURL: URL(string: "https://q.example")!, userID: "u", appID: "a", expiresIn: "1w")),
            credentials: ["api_key": .env("QRVEY_API_KEY")],
            policy: Policy(renewBefore: .days(1)),
            sinks: [SinkSpec(id: "t", kind: .file, path: directory + "/composer.token", location: here)],
            location: here)
    }

    @Test func aJobScheduledOnlyByAnUnknownExpiryIsNotBaselinedAndTheResultSaysWhy() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        let composer = Self.composerJob(directory: fixture.dir.path)
        let result = try await Baseline(environment: try fixture.environment(), run: TestRunEnvironment.run)
            .baseline([fixture.job, composer])

        #expect(result.baselined == [fixture.job.name])
        #expect(result.notBaselined.map(\.job) == [composer.name])
        #expect(result.notBaselined.first?.why.contains("expiry") == true)
        // What baseline reports is what plan will show.
        let histories = try await fixture.audit.histories()
        let now = fixture.clock.now()
        #expect(Scheduler.decide(job: fixture.job, history: histories[fixture.job.name]!, now: now).isDue == false)
        #expect(histories[composer.name] == nil)
    }
}
