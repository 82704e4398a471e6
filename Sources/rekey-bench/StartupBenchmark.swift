// `rekey-bench startup` (issue 13, row 10): how long `rekey --version` takes from spawn to
// exit (the fixed cost of every cron run), median of 21 runs, for the dynamically linked
// binary under test and the static one (`--static PATH`, default dist/rekey from
// scripts/package.sh; skipped with a note when there is none), beside `/bin/true` spawned
// the same way — the floor of spawn and wait from this process.

import Foundation

enum StartupBenchmark {
    static func run(_ options: BenchOptions) throws -> [BenchRow] {
        let runs = options.size("--startup-runs", full: 21, quick: 5)
        progress("startup: `rekey --version`, \(runs) runs per build")
        let floor = try MeasuredCommand.runs(runs, "/bin/true", []).map(\.seconds).median
        let baseline = "`/bin/true`: " + milliseconds(floor)
        var rows: [BenchRow] = []
        let builds: [(String, URL?)] = [("dynamic", options.binary), ("static", options.staticBinary)]
        for (kind, binary) in builds {
            guard let binary else {
                rows.append(
                    BenchRow(
                        row: .startup, measure: "`rekey --version`, \(kind) build",
                        figure:
                            "not measured: no static build (run scripts/package.sh for dist/rekey, or pass --static PATH)",
                        target: "≤ 10 ms", baseline: baseline))
                continue
            }
            let times = try MeasuredCommand.runs(runs, binary.path, ["--version"]).map(\.seconds)
            let size = (try? FileManager.default.attributesOfItem(atPath: binary.path)[.size] as? Int) ?? 0
            rows.append(
                BenchRow(
                    row: .startup,
                    measure: String(
                        format: "`rekey --version`, %@ build (%@, %.0f MB), median of %d", kind, binary.path,
                        Double(size) / 1_000_000, runs),
                    figure: milliseconds(times.median) + " (min \(milliseconds(times.min() ?? .nan)))",
                    target: "≤ 10 ms", baseline: baseline, ratio: BenchRow.ratio(times.median, floor),
                    met: times.median <= 0.010))
        }
        return rows
    }
}
