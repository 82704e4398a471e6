// `rekey-bench rotation`: (a) N due QuestionPro jobs against the sandbox (a separate
// process, so its CPU time can be shown) at a fixed latency, at several concurrencies:
// wall time, rotations/s, and the ratio to the ideal ⌈N / c⌉ × 3 × latency (a rotation
// makes three requests: probe, regenerate, verify); (b) `plan` and a run with nothing
// due over 10,000 job files; (c) peak RSS.

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyJobFiles
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule
import RekeyTestSupport

enum RotationBenchmark {
    static let run = RunIdentity(runID: "bench", trigger: "manual")

    static func option(_ arguments: [String], _ name: String, _ fallback: String) -> String {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
        return arguments[index + 1]
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func run(arguments: [String]) async throws {
        let count = Int(option(arguments, "--jobs", "1000")) ?? 1000
        let latencyMs = Int(option(arguments, "--latency-ms", "50")) ?? 50
        let concurrencies = option(arguments, "--concurrency", "1,8,32").split(separator: ",").compactMap { Int($0) }
        print(
            "rekey-bench rotation: \(count) QuestionPro jobs, sandbox latency \(latencyMs) ms, \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )
        print("| concurrency | wall s | rotations/s | ideal s | ratio | sandbox CPU s |")
        print("| --- | --- | --- | --- | --- | --- |")
        for concurrency in concurrencies {
            let sandbox = try SandboxProcess(arguments: ["--accounts", "\(count)", "--latency", "\(latencyMs)ms"])
            defer { sandbox.stop() }
            let dir = try TemporaryDirectory(prefix: "rekey-bench")
            defer { dir.remove() }
            let here = SourceLocation(file: "bench", line: 1, column: 1)
            var jobs: [Job] = []
            for (index, org) in sandbox.initialKeys.keys.sorted().enumerated() {
                try dir.write("sinks/\(index).env", "API_KEY='\(sandbox.initialKeys[org]!)'\n")
                jobs.append(
                    Job(
                        name: "job-\(index)", tenant: "t\(index % 50)", env: "prod",
                        provider: .questionPro(QuestionProSpec(baseURL: sandbox.url, organizationID: org)),
                        credentials: ["api_key": .sink("app")], policy: Policy(every: .days(30)),
                        sinks: [
                            SinkSpec(
                                id: "app", kind: .envFile, path: dir.file("sinks/\(index).env"), key: "API_KEY",
                                location: here)
                        ],
                        location: here))
            }
            let paths = ResolvedPaths(
                jobs: dir.path, stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))
            let environment = try RunEnvironment.production(paths: paths, log: { _ in })
            var options = RunOptions()
            options.concurrency = concurrency
            let cpuBefore = cpuSeconds(pid: sandbox.process.processIdentifier)
            let started = ContinuousClock.now
            let summary = await RotationRun(environment: environment, run: Self.run, options: options).execute(
                jobs: jobs)
            let wall = (ContinuousClock.now - started).seconds
            await environment.close()
            let cpu = cpuSeconds(pid: sandbox.process.processIdentifier) - cpuBefore
            let ideal = Double((count + concurrency - 1) / concurrency) * 3 * Double(latencyMs) / 1000
            let rotated = summary.count(.rotated)
            print(
                String(
                    format: "| %d | %.2f | %.1f | %.2f | %.2f× | %.2f |", concurrency, wall, Double(rotated) / wall,
                    ideal,
                    wall / ideal, cpu) + (rotated == count ? "" : " (only \(rotated) rotated)"))
        }
        try await idleBenchmark(files: Int(option(arguments, "--files", "10000")) ?? 10_000)
        print(String(format: "peak RSS of this process: %.1f MB", peakRSSMegabytes()))
    }

    /// `plan` and a run with nothing due, over many job files.
    static func idleBenchmark(files: Int) async throws {
        let dir = try TemporaryDirectory(prefix: "rekey-bench-idle")
        defer { dir.remove() }
        for index in 0..<files {
            try dir.write(
                "jobs/job-\(index).yaml",
                """
                name: job-\(index)
                tenant: t\(index % 100)
                env: prod
                provider: {kind: questionpro.api-key, datacenter: com, organization_id: "\(index)"}
                credentials: {api_key: {sink: app}}
                policy: {every: 30d}
                sinks: [{id: app, kind: env-file, path: /srv/app-\(index).env, key: API_KEY}]

                """)
        }
        let paths = ResolvedPaths(
            jobs: dir.file("jobs"), stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))
        let loadStart = ContinuousClock.now
        let loaded = JobLoader.load(paths: [paths.jobs])
        let loadTime = (ContinuousClock.now - loadStart).seconds
        // Everything baselined, so nothing is due.
        let baselineEnvironment = try RunEnvironment.production(paths: paths, log: { _ in })
        _ = try await Baseline(environment: baselineEnvironment, run: Self.run).baseline(loaded.jobs)
        await baselineEnvironment.close()

        let planStart = ContinuousClock.now
        let histories = try await SQLiteAuditReader.openIfPresent(path: paths.database).histories()
        let entries = Plan.build(jobs: loaded.jobs, histories: histories, now: Date())
        let planTime = (ContinuousClock.now - planStart).seconds + loadTime

        let runStart = ContinuousClock.now
        let reloaded = JobLoader.load(paths: [paths.jobs])
        let environment = try RunEnvironment.production(paths: paths, log: { _ in })
        let summary = await RotationRun(environment: environment, run: Self.run, options: RunOptions()).execute(
            jobs: reloaded.jobs)
        await environment.close()
        let runTime = (ContinuousClock.now - runStart).seconds
        print(
            "\(files) job files: load \(String(format: "%.3f", loadTime)) s; plan (load + history + decide) \(String(format: "%.3f", planTime)) s for \(entries.count) jobs; run with nothing due \(String(format: "%.3f", runTime)) s (\(summary.outcomes.count) rotated)"
        )
    }
}
