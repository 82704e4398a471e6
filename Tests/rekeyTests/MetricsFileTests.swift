import Foundation
import RekeyEffects
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// `rekey run --metrics-file` writes the file on every exit — 0, 1, 2, 65, 66, 75 and the
    /// stops 129, 130 and 143 — and Prometheus' own Python parser (`prometheus_client`, as
    /// `.ci/run` installs it) reads each one, with `rekey_run_exit_code` equal to the exit code.
    @Suite(.serialized) struct MetricsFileTests {
        typealias Setup = StopAndConsoleTests.Setup

        struct Family: Decodable {
            var type: String
            var help: String
            var samples: [Sample]
        }

        struct Sample: Decodable {
            var labels: [String: String]
            var value: Double
        }

        static let parser = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            with open(sys.argv[1]) as f:
                text = f.read()
            families = {}
            for family in text_string_to_metric_families(text):
                families[family.name] = {
                    "type": family.type, "help": family.documentation,
                    "samples": [{"labels": s.labels, "value": s.value} for s in family.samples],
                }
            print(json.dumps(families))
            """

        /// Python 3 with `prometheus_client` (a skip without it, a failure in CI).
        static var parserAvailable: Bool {
            (try? python(["-c", "import prometheus_client"]).status) == 0
        }

        static func python(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let group = DispatchGroup()
            nonisolated(unsafe) var errData = Data()
            group.enter()
            DispatchQueue.global().async {
                errData = err.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            return (process.terminationStatus, outData, String(decoding: errData, as: UTF8.self))
        }

        /// Parses the metrics file with `prometheus_client` and checks what every exit must
        /// leave: a readable 0644 file, HELP and TYPE for every family, the exit code and time.
        @discardableResult
        static func check(_ path: String, exit: Int32, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
            -> [String: Family]
        {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o644, "mode \(String(mode ?? 0, radix: 8))", sourceLocation: sourceLocation)
            let parsed = try python(["-c", parser, path])
            try #require(parsed.status == 0, "prometheus_client: \(parsed.stderr)", sourceLocation: sourceLocation)
            let families = try JSONDecoder().decode([String: Family].self, from: parsed.stdout)
            for (name, family) in families {
                #expect(family.type == "gauge", "\(name) has no TYPE gauge", sourceLocation: sourceLocation)
                #expect(!family.help.isEmpty, "\(name) has no HELP", sourceLocation: sourceLocation)
            }
            #expect(
                families["rekey_run_exit_code"]?.samples.map(\.value) == [Double(exit)],
                "exit \(exit) but the metric says \(families["rekey_run_exit_code"]?.samples.map(\.value) ?? [])",
                sourceLocation: sourceLocation)
            let time = try #require(
                families["rekey_run_timestamp_seconds"]?.samples.first?.value, sourceLocation: sourceLocation)
            #expect(abs(time - Date().timeIntervalSince1970) < 300, sourceLocation: sourceLocation)
            let outcomes = families["rekey_run_outcomes"]?.samples.compactMap { $0.labels["outcome"] } ?? []
            #expect(outcomes.contains("rotated"), sourceLocation: sourceLocation)
            return families
        }

        /// The state of job `one` in the metrics (nil when the file has no per-job figures).
        static func state(_ families: [String: Family]) -> String? {
            families["rekey_job_state"]?.samples.first { $0.labels["rotation_job"] == "one" && $0.value == 1 }?
                .labels["state"]
        }

        static var available: Bool {
            SystemTestGate.available(
                parserAvailable, "needs Python's prometheus_client (pip install prometheus_client)")
        }

        @Test func aRunThatRotatesExits0AndOneThatFindsTheLockHeldExits75() throws {
            guard Self.available else { return }
            let setup = try Setup()
            defer { setup.stop() }
            let metrics = setup.dir.file("textfile/rekey.prom")
            try FileManager.default.createDirectory(
                atPath: setup.dir.file("textfile"), withIntermediateDirectories: true)
            let run = try RekeyProcess.run(
                ["run", "--force", "--log-format", "json", "--metrics-file", metrics] + setup.args)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(JSONConventionCheck.problems(in: run.stdout, lines: true) == [])
            let families = try Self.check(metrics, exit: 0)
            #expect(Self.state(families) == "ok")
            #expect(families["rekey_run_outcomes"]?.samples.first { $0.labels["outcome"] == "rotated" }?.value == 1)
            #expect(families["rekey_run_duration_seconds"] != nil)
            #expect(try FileManager.default.contentsOfDirectory(atPath: setup.dir.file("textfile")) == ["rekey.prom"])

            let events = try RekeyProcess.run(["audit", "report", "--events", "--format", "json"] + setup.args)
            #expect(JSONConventionCheck.problems(in: events.stdout) == [])

            // Another scheduled run holds the run lock: this one exits 75, and says so in the file.
            let lock = try #require(
                FileLock.tryAcquire(path: LockDirectory(path: setup.dir.file("state/locks")).runLockPath))
            defer { lock.release() }
            let held = try RekeyProcess.run(["run", "--metrics-file", metrics] + setup.args)
            #expect(held.status == 75, "\(held.stderr)")
            #expect(Self.state(try Self.check(metrics, exit: 75)) == "ok")
        }

        @Test(arguments: [("regenerate=400", Int32(1)), ("regenerate=reset-after", Int32(2))])
        func aRunWithAFailedOrLostRotationExitsWithItsCode(fault: String, exit: Int32) throws {
            guard Self.available else { return }
            let setup = try Setup(faults: [fault])
            defer { setup.stop() }
            let metrics = setup.dir.file("rekey.prom")
            let run = try RekeyProcess.run(["run", "--force", "--metrics-file", metrics] + setup.args)
            #expect(run.status == exit, "\(run.stderr)")
            let families = try Self.check(metrics, exit: exit)
            #expect(Self.state(families) == (exit == 1 ? "failing" : "needs-recovery"))
        }

        @Test func anInvalidJobFileExits65WithTheValidJobsInTheFile() throws {
            guard Self.available else { return }
            let setup = try Setup()
            defer { setup.stop() }
            try setup.dir.write("jobs/broken.yaml", "name: broken\ntenant: acme\n")
            let metrics = setup.dir.file("rekey.prom")
            let run = try RekeyProcess.run(["run", "--metrics-file", metrics] + setup.args)
            #expect(run.status == 65, "\(run.stderr)")
            let families = try Self.check(metrics, exit: 65)
            #expect(Self.state(families) == "due")
            #expect(families["rekey_run_duration_seconds"] == nil)
        }

        @Test func noJobsExits66WithTheRunFiguresOnly() throws {
            guard Self.available else { return }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try FileManager.default.createDirectory(atPath: dir.file("jobs"), withIntermediateDirectories: true)
            let metrics = dir.file("rekey.prom")
            let run = try RekeyProcess.run([
                "run", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state"), "--metrics-file", metrics,
            ])
            #expect(run.status == 66, "\(run.stderr)")
            let families = try Self.check(metrics, exit: 66)
            #expect(families["rekey_job_state"] == nil)
        }

        @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))])
        func aStopDuringARegenerateExitsWithTheSignalsCode(signal: Int32, exit: Int32) async throws {
            guard Self.available else { return }
            let setup = try Setup(latency: "1500ms")
            defer { setup.stop() }
            let metrics = setup.dir.file("rekey.prom")
            let process = try RekeyProcess.start(["run", "--force", "--metrics-file", metrics] + setup.args)
            let deadline = Date().addingTimeInterval(20)
            while try !setup.sandbox.requests().contains(where: { $0.endpoint == "regenerate" }), Date() < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == exit)
            let families = try Self.check(metrics, exit: exit)
            #expect(Self.state(families) == "ok", "the regenerate in flight finished")
        }

        @Test func aDryRunWritesNoMetrics() throws {
            let setup = try Setup()
            defer { setup.stop() }
            let metrics = setup.dir.file("rekey.prom")
            let run = try RekeyProcess.run(["run", "--dry-run", "--metrics-file", metrics] + setup.args)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: metrics))
        }
    }
}
