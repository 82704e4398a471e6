import Foundation
import RekeyDelivery
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary when its reader goes away or its session ends: a closed stdout or
    /// stderr never kills a run (SIGPIPE is ignored and console writes drop the line), SIGHUP
    /// stops it gracefully like SIGTERM, and the process cannot dump core.
    @Suite struct StopAndConsoleTests {
        /// One QuestionPro job against a sandbox with a slow regenerate.
        final class Setup {
            let dir: TemporaryDirectory
            let sandbox: SandboxProcess
            let org: String

            /// `faults`: `--fault` plans for the sandbox, like `regenerate=reset-after`.
            init(latency: String = "10ms", faults: [String] = []) throws {
                dir = try TemporaryDirectory(prefix: "rekey-stop")
                sandbox = try SandboxProcess(
                    arguments: ["--accounts", "1", "--latency", latency] + faults.flatMap { ["--fault", $0] })
                org = sandbox.initialKeys.keys.first!
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
            }

            var args: [String] { ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")] }

            var delivered: Bool {
                (try? EnvFileSink.readValue(path: dir.file("sinks/app.env"), key: "API_KEY").revealed)
                    == (try? sandbox.currentKeys()[org])
            }

            func stop() {
                sandbox.stop()
                dir.remove()
            }
        }

        /// Starts `rekey ARGS` with stdout and stderr on pipes whose read ends are already closed,
        /// and SIGPIPE at its default disposition (as a shell pipeline gives it; the test runner
        /// itself may ignore SIGPIPE, and an ignored signal stays ignored across exec).
        static func startWithClosedOutput(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments =
                [
                    "python3", "-c",
                    "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                    RekeyProcess.binary.path,
                ] + arguments
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try out.fileHandleForReading.close()
            try err.fileHandleForReading.close()
            try process.run()
            return process
        }

        @Test func aRunWhoseStdoutAndStderrAreClosedStillRotatesAndExitsZero() throws {
            let setup = try Setup()
            defer { setup.stop() }
            // A dry run writes before any network code has run (nothing else ignores SIGPIPE yet).
            let dryRun = try Self.startWithClosedOutput(["run", "--dry-run", "--log-format", "json"] + setup.args)
            dryRun.waitUntilExit()
            #expect(dryRun.terminationReason == .exit, "the dry run died of signal \(dryRun.terminationStatus)")
            let process = try Self.startWithClosedOutput(["run", "--force", "--log-format", "json"] + setup.args)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "died of signal \(process.terminationStatus)")
            #expect(process.terminationStatus == 0)
            #expect(setup.delivered)
        }

        @Test func sighupDuringARegenerateFinishesItAndExits129() async throws {
            let setup = try Setup(latency: "1500ms")
            defer { setup.stop() }
            let process = try RekeyProcess.start(["run", "--force"] + setup.args)
            // Wait until the regenerate is at the vendor, then hang up.
            let deadline = Date().addingTimeInterval(20)
            while try !setup.sandbox.requests().contains(where: { $0.endpoint == "regenerate" }), Date() < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(process.processIdentifier, SIGHUP)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 129)
            #expect(setup.delivered)
            let report = try RekeyProcess.run(["audit", "report", "--format", "json"] + setup.args)
            #expect(report.stdout.contains("\"state\" : \"ok\""))
        }

        /// Run as `nobody` (so ownership of /proc/PID shows dumpability: a non-dumpable
        /// process's entries belong to root), with a core limit raised in the parent that rekey
        /// must lower to 0 before it reads any secret.
        @Test func theProcessIsNotDumpableAndHasNoCoreLimit() async throws {
            guard SystemTestGate.available(SystemTestGate.canSwitchUsers, "needs root and setpriv") else { return }
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
            var raised = rlimit(rlim_cur: min(limit.rlim_max, 1 << 20), rlim_max: limit.rlim_max)
            setrlimit(Int32(RLIMIT_CORE.rawValue), &raised)
            defer { setrlimit(Int32(RLIMIT_CORE.rawValue), &limit) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", RekeyProcess.binary.path, "sandbox", "--latency",
                "1ms",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            let proc = "/proc/\(process.processIdentifier)"
            // setpriv execs rekey in place: wait until the process is rekey, running as nobody.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline,
                (try? String(contentsOfFile: proc + "/comm", encoding: .utf8))?.hasPrefix("rekey") != true
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(200))
            let limits = try String(contentsOfFile: proc + "/limits", encoding: .utf8)
            let core = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
            #expect(core.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"])
            let owner = try FileManager.default.attributesOfItem(atPath: proc + "/status")[.ownerAccountID] as? Int
            #expect(owner == 0, "/proc/PID/status belongs to uid \(owner ?? -1): the process is dumpable")
        }
    }
}
