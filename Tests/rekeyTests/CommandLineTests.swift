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
