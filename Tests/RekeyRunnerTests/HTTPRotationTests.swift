import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySandbox
import RekeySchedule
import RekeyTestSupport
import Testing

/// Whole rotations of `kind: http` jobs through `RotationRun` against the sandbox's
/// described vendor, over real HTTP: a regenerate (the old key dies, sinks → hooks →
/// verify) and a login (older tokens stay valid, verify → sinks → hooks).
@Suite struct HTTPRotationTests {
    struct Setup {
        let dir: TemporaryDirectory
        let sandbox: VendorSandbox
        let url: URL
        let paths: ResolvedPaths

        init(options: SandboxOptions = SandboxOptions()) async throws {
            dir = try TemporaryDirectory()
            sandbox = VendorSandbox(options: options)
            url = try await sandbox.start()
            paths = ResolvedPaths(
                jobs: dir.path, stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))
        }

        func run(_ job: Job, environment processEnvironment: [String: String] = [:], force: Bool = true) async throws
            -> RunSummary
        {
            let environment = try RunEnvironment.production(
                paths: paths, processEnvironment: processEnvironment, settleDelay: .milliseconds(10), log: { _ in })
            var options = RunOptions()
            options.force = force
            let summary = await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
                .execute(jobs: [job])
            await environment.close()
            return summary
        }

        func history(_ job: Job) async throws -> JobHistory? {
            try await SQLiteAuditReader.openIfPresent(path: paths.database).histories()[job.name]
        }

        func close() async {
            await sandbox.stop()
            dir.remove()
        }
    }

    @Test func aRegenerateJobRotatesTheVendorsKeyIntoEverySink() async throws {
        // Any JSON shape: the key three levels down, beside a decoy.
        var options = SandboxOptions()
        options.httpAnswer = #"{"result":{"credential":{"value":"{{key}}","id":"{{id}}"}},"key":"decoy"}"#
        let setup = try await Setup(options: options)
        let initial = setup.sandbox.httpKeys[0].key
        try setup.dir.write("app.env", "OTHER=1\nAPI_KEY='\(initial)'\n")
        var job = HTTPJobs.regenerateJob(directory: setup.dir.path, baseURL: setup.url)
        job.provider = .http(HTTPJobs.regenerate(baseURL: setup.url, secret: "/result/credential/value"))

        let summary = try await setup.run(job)
        let current = setup.sandbox.httpKeys[0].key
        #expect(summary.count(.rotated) == 1, "\(summary.render())")
        #expect(current != initial)
        #expect(try EnvFileSink.readValue(path: setup.dir.file("app.env"), key: "API_KEY").revealed == current)
        #expect(try FileSink.read(path: setup.dir.file("worker.key")).revealed == current)
        #expect(!setup.sandbox.httpAcceptedSecrets.contains(initial))
        // Probe (the key rekey did not deliver itself), regenerate, verify.
        #expect(setup.sandbox.requests.map(\.endpoint) == ["http-probe", "http-issue", "http-probe"])
        let history = try #require(try await setup.history(job))
        #expect(history.provider == "http")
        #expect(!history.needsRecovery)
        // The next forced run reads the new key from its sink and rotates again.
        #expect(try await setup.run(job).count(.rotated) == 1)
        #expect(try FileSink.read(path: setup.dir.file("worker.key")).revealed == setup.sandbox.httpKeys[0].key)
        await setup.close()
    }

    @Test func aLoginJobVerifiesTheTokenBeforeDeliveringIt() async throws {
        let setup = try await Setup()
        let job = HTTPJobs.loginJob(directory: setup.dir.path, baseURL: setup.url)
        let environment = ["VENDOR_CLIENT_ID": "sandbox-client", "VENDOR_CLIENT_SECRET": "sandbox-client-secret-1"]

        let summary = try await setup.run(job, environment: environment)
        #expect(summary.count(.rotated) == 1, "\(summary.render())")
        let token = try FileSink.read(path: setup.dir.file("token")).revealed
        #expect(setup.sandbox.httpAcceptedSecrets.contains(token))
        #expect(setup.sandbox.requests.map(\.endpoint) == ["http-issue", "http-probe"])
        let history = try #require(try await setup.history(job))
        #expect(history.expiry != nil)

        // A second login leaves the first token valid (idempotent), and a failed issue is
        // retried because a login may be repeated.
        setup.sandbox.inject(.httpIssue, [.status(503), .resetAfter])
        #expect(try await setup.run(job, environment: environment).count(.rotated) == 1)
        #expect(setup.sandbox.httpAcceptedSecrets.contains(token))
        #expect(try FileSink.read(path: setup.dir.file("token")).revealed != token)
        await setup.close()
    }

    @Test func aLoginWhoseClientIsRejectedFailsNamingTheInput() async throws {
        let setup = try await Setup()
        let job = HTTPJobs.loginJob(directory: setup.dir.path, baseURL: setup.url)
        let summary = try await setup.run(
            job, environment: ["VENDOR_CLIENT_ID": "sandbox-client", "VENDOR_CLIENT_SECRET": "wrong-secret-1"])
        #expect(summary.exitStatus == .jobFailed)
        let message = summary.outcomes.first?.message ?? ""
        #expect(message.contains("401"), "\(message)")
        #expect(!message.contains("wrong-secret-1"))
        #expect(!FileManager.default.fileExists(atPath: setup.dir.file("token")))
        await setup.close()
    }
}
