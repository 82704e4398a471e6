import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// Many jobs at once on few threads: blocking file work (fsync, the env file's directory
/// lock) runs off the task pool, so 64 concurrent rotations into one env file all finish
/// and every key lands under its own name.
@Suite struct ConcurrentRotationTests {
    @Test func sixtyFourJobsSharingOneEnvFileAllRotateAndKeepEveryKey() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let count = 64
        let names = (0..<count).map { "job-\($0)" }
        try dir.write("shared.env", names.indices.map { "KEY_\($0)='initial-\($0)'\n" }.joined())
        let jobs = names.indices.map { index in
            Job(
                name: names[index], tenant: "t", env: "prod",
                provider: .questionPro(
                    QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
                credentials: ["api_key": .sink("app")], policy: Policy(every: .days(30)),
                sinks: [
                    SinkSpec(
                        id: "app", kind: .envFile, path: dir.file("shared.env"), key: "KEY_\(index)",
                        location: testLocation)
                ],
                location: testLocation)
        }
        let audit = InMemoryAuditLog()
        // A login-like vendor: every issue returns a new, distinct token and needs no probe.
        let vendor = FakeVendor(initialKey: "unused", idempotent: true)
        let environment = try TestRunEnvironment.make(directory: dir.path, audit: audit, vendor: vendor)
        var options = RunOptions()
        options.concurrency = count
        let summary = await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
            .execute(jobs: jobs)

        #expect(summary.count(.rotated) == count)
        let histories = try await audit.histories()
        var seen = Set<String>()
        for index in names.indices {
            let value = try EnvFileSink.readValue(path: dir.file("shared.env"), key: "KEY_\(index)")
            #expect(environment.fingerprint(value) == histories[names[index]]?.doneFingerprint)
            seen.insert(value.revealed)
        }
        #expect(seen.count == count)
    }
}
