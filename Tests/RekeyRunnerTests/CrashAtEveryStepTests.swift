import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// Crashes a rotation at each of its side effects in turn, restarts, and checks the one
/// rule: every sink ends up holding the vendor's one valid key, or the job is
/// needs-recovery — and the latter only when the vendor's answer was in flight. For each
/// kind of regenerate job: QuestionPro's, and a described (`kind: http`) one.
@Suite struct CrashAtEveryStepTests {
    enum JobKind: String, CaseIterable, Sendable {
        case questionPro = "questionpro.api-key"
        case httpRegenerate = "http regenerate"

        func job(directory: String, hooks: [HookSpec]) -> Job {
            switch self {
            case .questionPro: TestRunEnvironment.questionProJob(directory: directory, hooks: hooks)
            case .httpRegenerate: HTTPJobs.regenerateJob(directory: directory, hooks: hooks)
            }
        }
    }

    struct Scenario {
        let dir: TemporaryDirectory
        let vendor: FakeVendor
        let audit: InMemoryAuditLog
        let job: Job

        init(_ kind: JobKind = .questionPro) throws {
            dir = try TemporaryDirectory()
            vendor = FakeVendor(initialKey: "initial-key-0001")
            audit = InMemoryAuditLog()
            job = kind.job(directory: dir.path, hooks: [HookSpec(argv: ["/bin/true"])])
            try dir.write("app.env", "# app\nOTHER=1\nAPI_KEY='initial-key-0001'\n")
            try dir.write("worker.key", "initial-key-0001")
        }

        func run(crashAt: Int?, force: Bool) async throws -> (RunSummary, CrashSwitch) {
            let crash = CrashSwitch(crashAt: crashAt)
            let environment = try TestRunEnvironment.make(
                directory: dir.path, audit: audit, vendor: vendor, crash: crash)
            var options = RunOptions()
            options.force = force
            let run = RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
            return (await run.execute(jobs: [job]), crash)
        }

        func sinkValues() throws -> (String, String) {
            let env = try EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed
            let file = try FileSink.read(path: dir.file("worker.key")).revealed
            return (env, file)
        }
    }

    /// Effects after which the vendor has rotated but rekey has not yet spooled the key.
    static let inFlight: Set<String> = ["vendor-after", "spool-write"]

    @Test(arguments: JobKind.allCases)
    func aCrashAtAnyStepNeverLosesAWorkingCredential(_ kind: JobKind) async throws {
        let clean = try Scenario(kind)
        defer { clean.dir.remove() }
        let (summary, counter) = try await clean.run(crashAt: nil, force: true)
        #expect(summary.count(.rotated) == 1)
        let steps = counter.steps
        #expect(steps.count >= 10)
        print("effects:", steps)

        var needsRecovery = 0
        for k in 1...steps.count {
            let scenario = try Scenario(kind)
            defer { scenario.dir.remove() }
            let (_, crash) = try await scenario.run(crashAt: k, force: true)
            let died = try #require(crash.diedAt)
            let (after, _) = try await scenario.run(crashAt: nil, force: false)
            let (env, file) = try scenario.sinkValues()
            let history = try await scenario.audit.histories()[scenario.job.name] ?? JobHistory()
            if env == scenario.vendor.validKey && file == scenario.vendor.validKey {
                #expect(!history.needsRecovery, "consistent but flagged after a crash at \(died)")
                #expect(after.exitStatus == .ok || after.exitStatus == .jobFailed, "crash at \(died)")
            } else {
                needsRecovery += 1
                #expect(history.needsRecovery, "sinks stale but not needs-recovery after a crash at \(died)")
                #expect(Self.inFlight.contains(died), "needs-recovery after a crash at \(died), not in flight")
                #expect(after.exitStatus == .needsRecovery)
                // The way out: adopt the vendor's key.
                let environment = try TestRunEnvironment.make(
                    directory: scenario.dir.path, audit: scenario.audit, vendor: scenario.vendor)
                _ = try await Adoption(environment: environment, run: TestRunEnvironment.run).adopt(
                    Secret(scenario.vendor.validKey), job: scenario.job)
                let (env2, file2) = try scenario.sinkValues()
                #expect(env2 == scenario.vendor.validKey && file2 == scenario.vendor.validKey)
                #expect(try await scenario.audit.histories()[scenario.job.name]?.needsRecovery == false)
            }
        }
        print("needs-recovery:", needsRecovery)
        // Exactly the in-flight steps lose the answer.
        #expect(needsRecovery == steps.filter(Self.inFlight.contains).count)
    }

    @Test func theEnvFileKeepsItsOtherLinesThroughRotation() async throws {
        let scenario = try Scenario()
        defer { scenario.dir.remove() }
        _ = try await scenario.run(crashAt: nil, force: true)
        let text = try String(contentsOfFile: scenario.dir.file("app.env"), encoding: .utf8)
        #expect(text.hasPrefix("# app\nOTHER=1\nAPI_KEY='"))
        #expect(!text.contains("initial-key-0001"))
    }
}
