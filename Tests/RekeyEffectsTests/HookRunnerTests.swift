import Foundation
import RekeyEffects
import RekeyModel
import RekeyTestSupport
import Testing

@Suite struct HookRunnerTests {
    func job(_ dir: TemporaryDirectory) -> Job {
        Job(
            name: "acme-prod", tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .env("REKEY_TEST_CANARY")], policy: Policy(every: .days(30)),
            sinks: [
                SinkSpec(id: "a", kind: .file, path: dir.file("key"), location: .init(file: "x", line: 1, column: 1))
            ],
            location: .init(file: "x", line: 1, column: 1))
    }

    @Test func aHookSeesOnlyTheBuiltEnvironment() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        setenv("REKEY_TEST_CANARY", "canary-secret-value", 1)
        let out = dir.file("env.txt")
        // The environment is under test, not the timeout: generous for a loaded CI machine.
        let hook = HookSpec(argv: ["/bin/sh", "-c", "env > '\(out)'"], timeout: .seconds(60))
        let result = await HookRunner().run(hook, job: job(dir))
        #expect(result.succeeded)
        let seen = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!seen.contains("canary-secret-value"))
        let names = Set(seen.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(
            names.isSubset(of: [
                "PATH", "LANG", "REKEY_JOB", "REKEY_TENANT", "REKEY_ENV", "REKEY_SINKS", "PWD", "SHLVL", "_",
            ]))
        #expect(seen.contains("REKEY_JOB=acme-prod"))
    }

    @Test func theHooksProcessEnvironmentHoldsNoInheritedSecret() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        setenv("REKEY_TEST_CANARY", "canary-secret-value", 1)
        let pidFile = dir.file("pid")
        let release = dir.file("release")
        // The hook publishes its pid, then waits (bounded) until the test has read /proc/<pid>/environ.
        let script =
            "echo $$ > '\(pidFile)'; i=0; while [ ! -e '\(release)' ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done"
        let hook = HookSpec(argv: ["/bin/sh", "-c", script], timeout: .seconds(20))
        async let result = HookRunner().run(hook, job: job(dir))
        var environ = ""
        for _ in 0..<5000 {
            if let pid = try? String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines),
                !pid.isEmpty, let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
            {
                environ = String(decoding: data, as: UTF8.self)
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        _ = FileManager.default.createFile(atPath: release, contents: nil)
        #expect(await result.succeeded)
        #expect(environ.contains("REKEY_JOB=acme-prod"))
        #expect(!environ.contains("canary-secret-value"))
    }

    @Test func aHookThatRunsTooLongIsKilledAndReportedAsTimedOut() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hook = HookSpec(argv: ["/bin/sleep", "30"], timeout: .seconds(30))
        // The manual clock's sleep returns at once: the timeout fires without a real wait.
        let clock = ManualClock()
        let result = await HookRunner(clock: clock).run(hook, job: job(dir))
        #expect(!result.succeeded)
        #expect(result.summary.contains("timed out after 30"))
        #expect(clock.sleeps == [.seconds(30)])
    }

    @Test func aNonZeroExitAndAMissingExecutableAreFailures() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let failing = await HookRunner().run(HookSpec(argv: ["/bin/sh", "-c", "exit 3"]), job: job(dir))
        #expect(!failing.succeeded)
        #expect(failing.exitCode == 3)
        let missing = HookSpec(argv: ["/no/such/hook"])
        #expect(HookRunner().problem(missing) != nil)
        let result = await HookRunner().run(missing, job: job(dir))
        #expect(!result.succeeded)
    }

    /// The whole output is scrubbed first, then cut to its last 4 KiB: cutting first could
    /// keep the second half of a secret that straddles the cut.
    @Test func hookOutputIsCapturedScrubbedAndCutToItsLastFourKiB() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let secret = Secret("s3cr3t-0123456789-abcdefghijklmnop")
        try dir.write("secret", secret.revealed)
        // 64 KiB of noise, the secret (raw, then base64) so that it straddles the 4 KiB cut,
        // then a last line, and exit 3.
        let script = """
            head -c 65536 /dev/zero | tr '\\0' x; cat '\(dir.file("secret"))'; base64 -w0 '\(dir.file("secret"))';
            head -c 4040 /dev/zero | tr '\\0' y; echo; echo 'reload failed: config invalid' >&2; exit 3
            """
        let result = await HookRunner().run(
            HookSpec(argv: ["/bin/sh", "-c", script], timeout: .seconds(20)), job: job(dir), scrubbing: [secret])
        #expect(result.exitCode == 3)
        #expect(result.output.utf8.count <= 4096)
        #expect(result.output.hasSuffix("reload failed: config invalid\n"))
        #expect(result.summary.contains("reload failed: config invalid"))
        let base64 = Data(secret.revealed.utf8).base64EncodedString()
        for fragment in [secret.revealed, base64, String(secret.revealed.suffix(12)), String(base64.suffix(12))] {
            #expect(!result.output.contains(fragment), "a piece of the secret survived: \(fragment)")
        }
    }
}
