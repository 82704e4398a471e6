import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// Two first runs started at once on a fresh state directory (a cron job and an operator,
    /// two replicas): the one that comes second must wait for the first to initialise the state
    /// directory, never see a key without its database and refuse with a false alarm.
    @Suite(.serialized) struct FirstRunRaceTests {
        @Test func twoFirstRunsOnAFreshStateDirectoryNeitherCallsTheDatabaseMissing() async throws {
            let dir = try TemporaryDirectory(prefix: "rekey-first-runs")
            let sandbox = try SandboxProcess(arguments: ["--accounts", "1", "--latency", "1ms"])
            defer {
                sandbox.stop()
                dir.remove()
            }
            let org = try #require(sandbox.initialKeys.keys.first)
            try dir.write("sinks/app.env", "API_KEY='\(sandbox.initialKeys[org]!)'\n")
            try dir.write(
                "jobs/one.yaml",
                """
                name: one
                tenant: acme
                env: prod
                provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString), organization_id: "\(org)"}
                credentials: {api_key: {sink: app}}
                policy: {every: 30d, retry: {timeout: 5s}}
                sinks: [{id: app, kind: env-file, path: ../sinks/app.env, key: API_KEY}]
                """)
            for round in 0..<10 {
                let state = dir.file("state-\(round)")
                let arguments = ["run", "--jobs", dir.file("jobs"), "--state-dir", state]
                let results = try await withThrowingTaskGroup(of: RekeyProcess.Result.self) { group in
                    for _ in 0..<2 { group.addTask { try RekeyProcess.run(arguments) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for result in results {
                    #expect(!result.stderr.contains("is missing"), "round \(round): \(result.stderr)")
                    // One run rotates; the other finds the job leased or already rotated.
                    #expect([0, 75].contains(result.status), "round \(round): exit \(result.status): \(result.stderr)")
                }
                let verify = try RekeyProcess.run(["audit", "verify", "--state-dir", state])
                #expect(verify.status == 0, "round \(round): \(verify.stdout) \(verify.stderr)")
            }
        }
    }
}
