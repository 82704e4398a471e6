// `rekey-bench memory` (issue 13, the second half of row 11): the peak RSS of one
// `rekey run` rotating 10,000 due QuestionPro jobs against the sandbox (latency 0,
// concurrency 32), from `wait4`'s rusage of that process, beside the Python rotator's peak
// RSS rotating the same 10,000 keys afterwards. (The first half, a run with nothing due, is
// measured by `idle`.)

import Foundation
import RekeyTestSupport

enum MemoryBenchmark {
    static func run(_ options: BenchOptions) throws -> [BenchRow] {
        let count = options.size("--memory-rotations", full: 10_000, quick: 500)
        progress("memory: one run rotating \(count) due jobs, latency 0, concurrency 32")
        let sandbox = try BenchSandbox(binary: options.binary, accounts: count, latency: "0ms")
        defer { sandbox.stop() }
        let dir = try TemporaryDirectory(prefix: "rekey-bench-memory")
        defer { dir.remove() }
        let selection = try sandbox.writeFleet(in: dir.path, verify: true)
        let rekey = try MeasuredCommand.run(
            options.binary.path, ["run", "--concurrency", "32", "--quiet"] + selection, peakRSS: true)
        let rekeyRSS = rekey.peakRSSMegabytes ?? .nan
        progress(String(format: "  rekey: %.1f s, %.1f MB", rekey.seconds, rekeyRSS))
        var baseline = "no python3"
        var pythonRSS = Double.nan
        if let python3 = Executables.python3 {
            let python = try MeasuredCommand.run(
                python3,
                [
                    options.scripts.appendingPathComponent("bench-python-rotator.py").path, sandbox.url.absoluteString,
                    dir.file("sinks"), "--threads", "32",
                ], peakRSS: true)
            pythonRSS = python.peakRSSMegabytes ?? .nan
            baseline = String(
                format: "Python rotator, the same %d keys: %.1f MB (%.1f s)", count, pythonRSS, python.seconds)
            progress(String(format: "  python: %.1f s, %.1f MB", python.seconds, pythonRSS))
        }
        return [
            BenchRow(
                row: .peakRSS,
                measure: "peak RSS of one `rekey run` rotating \(count) due jobs (sandbox latency 0, concurrency 32)",
                figure: (rekeyRSS.isFinite ? megabytes(rekeyRSS) : "not measured: no GNU time (/usr/bin/time)")
                    + String(format: " (the run took %.1f s)", rekey.seconds),
                target: "≤ 64 MB", baseline: baseline, ratio: BenchRow.ratio(rekeyRSS, pythonRSS),
                met: rekeyRSS.isFinite ? rekeyRSS <= 64 : nil)
        ]
    }
}
