// `rekey-bench idle` (issue 13, rows 5, 6 and the first half of 11): 10,000 job files, all
// baselined with `rekey baseline`, so nothing is due; then `rekey run` (a cron tick with
// nothing to do; cold without the job-file cache, then warm) and `rekey plan`, each a
// separate process, median of several runs, with
// the run's peak RSS — beside PyYAML's C loader (`yaml.CSafeLoader`) loading the same files
// in one python3 process (start-up and import included, as rekey's are).

import Foundation
import RekeyTestSupport

enum IdleBenchmark {
    static let pyYAMLLoader = """
        import os, sys, yaml
        d = sys.argv[1]
        for name in sorted(os.listdir(d)):
            if name.endswith(".yaml"):
                with open(os.path.join(d, name), "rb") as f:
                    yaml.load(f, Loader=yaml.CSafeLoader)
        """

    static func run(_ options: BenchOptions) throws -> [BenchRow] {
        let files = options.size("--files", full: 10_000, quick: 1_000)
        let runs = options.size("--runs", full: 5, quick: 2)
        progress("idle: \(files) job files, \(runs) runs each")
        let dir = try TemporaryDirectory(prefix: "rekey-bench-idle")
        defer { dir.remove() }
        try writeJobFiles(count: files, in: dir.path)
        let selection = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]
        let binary = options.binary.path
        let baselined = try MeasuredCommand.run(binary, ["baseline"] + selection)
        progress(String(format: "  rekey baseline: %.2f s", baselined.seconds))

        // Cold: the job-file cache removed first, so every file is parsed (the first tick
        // after a deploy that changed them all). Then warm: the ticks of every other hour.
        var cold: [Double] = []
        for _ in 0..<runs {
            try? FileManager.default.removeItem(atPath: dir.file("state/jobfiles.cache"))
            cold.append(try MeasuredCommand.run(binary, ["run", "--quiet"] + selection).seconds)
        }
        let coldTime = cold.median
        let idle = try MeasuredCommand.runs(runs, binary, ["run", "--quiet"] + selection, peakRSS: true)
        let plan = try MeasuredCommand.runs(runs, binary, ["plan"] + selection)
        let idleTime = idle.map(\.seconds).median
        let planTime = plan.map(\.seconds).median
        let idleRSS = idle.compactMap(\.peakRSSMegabytes).max() ?? .nan

        var pyYAML = Double.nan
        var pyYAMLRSS = Double.nan
        var note = "skipped: no python3"
        if let python3 = Executables.python3 {
            if (try? MeasuredCommand.run(python3, ["-c", "import yaml; yaml.CSafeLoader"])) == nil {
                note = "skipped: PyYAML with libyaml (`yaml.CSafeLoader`) is not installed"
            } else {
                let loads = try MeasuredCommand.runs(
                    runs, python3, ["-c", pyYAMLLoader, dir.file("jobs")], peakRSS: true)
                pyYAML = loads.map(\.seconds).median
                pyYAMLRSS = loads.compactMap(\.peakRSSMegabytes).max() ?? .nan
                note = String(format: "PyYAML `CSafeLoader`, same files, one python3: %.3f s", pyYAML)
            }
        }
        progress(
            String(
                format: "  run %.3f s (cold %.3f s), plan %.3f s, PyYAML %.3f s", idleTime, coldTime, planTime, pyYAML))
        return [
            BenchRow(
                row: .idleRun,
                measure:
                    "`rekey run` with nothing due, \(files) job files (baselined), median of \(runs); the job-file cache warm (cold, every file parsed: \(seconds(coldTime)))",
                figure: seconds(idleTime), target: "≤ 0.25 s", baseline: note, ratio: BenchRow.ratio(idleTime, pyYAML),
                met: idleTime <= 0.25),
            BenchRow(
                row: .plan, measure: "`rekey plan`, the same \(files) job files, median of \(runs)",
                figure: seconds(planTime), target: "≤ 0.3 s", baseline: note, ratio: BenchRow.ratio(planTime, pyYAML),
                met: planTime <= 0.3),
            BenchRow(
                row: .peakRSS,
                measure: "peak RSS of `rekey run` with nothing due over \(files) job files (max of \(runs))",
                figure: idleRSS.isFinite ? megabytes(idleRSS) : "not measured: no GNU time (/usr/bin/time)",
                target: "≤ 64 MB",
                baseline: pyYAMLRSS.isFinite
                    ? "PyYAML loading the same files: " + megabytes(pyYAMLRSS) : note,
                ratio: BenchRow.ratio(idleRSS, pyYAMLRSS), met: idleRSS.isFinite ? idleRSS <= 64 : nil),
        ]
    }

    /// `count` QuestionPro job files (job-N.yaml in DIR/jobs) with an env-file sink each (N.env in DIR/sinks).
    static func writeJobFiles(count: Int, in directory: String) throws {
        let accounts = (0..<count).map { (organization: "\($0)", key: "bench-key-\($0)") }
        try BenchJobFiles.write(accounts, in: directory, endpoint: "datacenter: com", tenants: 100)
    }
}
