import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary: output and exit codes as an operator sees them.
    @Suite struct CommandLineTests {
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()

        @Test func theExampleJobsValidate() throws {
            let result = try RekeyProcess.run(["validate", Self.repository.appendingPathComponent("jobs").path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("6 job(s) in 3 file(s): OK"))
            let json = try RekeyProcess.run([
                "validate", "--format", "json", Self.repository.appendingPathComponent("jobs").path,
            ])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["jobs"] as? Int == 6)
            #expect(JSONConventionCheck.problems(in: json.stdout) == [])
        }

        @Test func aFileWithThreeMistakesExits65WithThreeLocatedErrors() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let path = try dir.write(
                "bad.yaml",
                """
                name: bad
                tenant: acme
                env: prod
                provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
                credentials: {api_key: "sk_live_NEVER_SHOWN"}
                policy: {evry: 30d, every: 30d, verify: maybe}
                sinks: [{id: app, kind: file, path: /srv/key}]

                """)
            let result = try RekeyProcess.run(["validate", path])
            #expect(result.status == 65)
            #expect(result.stdout.contains("3 error(s)"))
            #expect(result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }.count == 3)
            #expect(result.stderr.contains("bad.yaml:5:24: error:"))
            #expect(!(result.stdout + result.stderr).contains("sk_live_NEVER_SHOWN"))
        }

        /// `run` leaves the job-file cache (0600) once it has accepted the state directory; a dry
        /// run leaves nothing; `plan` reads the cache yet sees a same-size edit at once.
        @Test func runKeepsTheJobFileCacheAndPlanSeesAnEditAtOnce() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let job = """
                name: one
                tenant: acme
                env: prod
                provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
                credentials: {api_key: {sink: app}}
                policy: {every: 30d}
                sinks: [{id: app, kind: env-file, path: ../sinks/app.env, key: API_KEY}]
                """
            try dir.write("jobs/one.yaml", job)
            let args = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]
            let cache = dir.file("state/jobfiles.cache")
            _ = try RekeyProcess.run(["run", "--dry-run"] + args)
            #expect(!FileManager.default.fileExists(atPath: cache))
            _ = try RekeyProcess.run(["baseline"] + args)
            let run = try RekeyProcess.run(["run"] + args)
            #expect(run.status == 0, "\(run.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            try dir.write("jobs/one.yaml", job.replacingOccurrences(of: "every: 30d", with: "every: 20d"))
            let plan = try RekeyProcess.run(["plan", "--format", "json"] + args)
            let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
            let entry = try #require((object?["jobs"] as? [[String: Any]])?.first)
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let last = try #require((entry["last_success"] as? String).flatMap(format.date(from:)))
            let next = try #require((entry["next_due"] as? String).flatMap(format.date(from:)))
            #expect(next.timeIntervalSince(last) == 20 * 86_400, "\(plan.stdout)")
        }

        @Test func noJobsExits66AndSaysWhatToDo() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let result = try RekeyProcess.run(["run", "--jobs", dir.path, "--state-dir", dir.file("state")])
            #expect(result.status == 66)
            #expect(result.stderr.contains("no job files"))
            let missing = try RekeyProcess.run(["plan", "--jobs", dir.file("nope")])
            #expect(missing.status == 66)
        }

        @Test func planPrintsStableJSONAndRefusesAnUnknownJob() throws {
            let jobs = Self.repository.appendingPathComponent("jobs").path
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let args = [
                "plan", "--jobs", jobs, "--state-dir", dir.path, "--now", "2026-12-01T03:00:00Z", "--format", "json",
            ]
            let first = try RekeyProcess.run(args)
            let second = try RekeyProcess.run(args)
            #expect(first.status == 0)
            #expect(first.stdout == second.stdout)
            #expect(JSONConventionCheck.problems(in: first.stdout) == [])
            let plan = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
            #expect((plan?["jobs"] as? [[String: Any]])?.count == 6)
            let unknown = try RekeyProcess.run(["plan", "--jobs", jobs, "--state-dir", dir.path, "--job", "nope"])
            #expect(unknown.status == 64)
        }

        @Test func aBrokenJobFileDoesNotHideThePlanOfTheValidJobs() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let examples = Self.repository.appendingPathComponent("jobs").path
            try FileManager.default.copyItem(atPath: examples, toPath: dir.file("jobs"))
            try dir.write("jobs/broken.yaml", "name: broken\ntenant: acme\n")
            let plan = try RekeyProcess.run([
                "plan", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state"), "--format", "json",
            ])
            #expect(plan.status == 65)
            let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
            #expect((object?["jobs"] as? [[String: Any]])?.count == 6)
            #expect(plan.stderr.contains("broken.yaml"))
        }

        @Test func helpTeachesEverySubcommand() throws {
            let result = try RekeyProcess.run(["--help"])
            #expect(result.status == 0)
            for command in [
                "run", "plan", "validate", "audit", "recover", "adopt", "baseline", "demo", "sandbox", "completions",
            ] {
                #expect(result.stdout.contains("  \(command)"), "\(command) missing from --help")
            }
        }

        @Test func aRunRefusesToStartWhenTheAuditLogIsMissingButStateRemains() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("state/audit.key", String(repeating: "k", count: 32))
            let result = try RekeyProcess.run([
                "run", "--jobs", Self.repository.appendingPathComponent("jobs").path, "--state-dir", dir.file("state"),
            ])
            #expect(result.status == 1)
            #expect(result.stderr.contains("refusing to run"))
        }
    }
}
