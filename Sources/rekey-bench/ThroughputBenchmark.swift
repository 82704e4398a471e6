// `rekey-bench throughput` (issue 13, row 4): 300 due QuestionPro jobs against the sandbox at
// 200 ms latency, `rekey run --force --concurrency 32` in steady state (after a first run
// whose probes prove every key), with verify (the default) and with `verify: false` — wall
// time of the `rekey` process, median of several runs, beside a minimal Python thread-pool
// rotator (scripts/bench-python-rotator.py: 32 threads, one regenerate per key, durable
// atomic writes) rotating the same number of keys on its own sandbox. Also counts the Python
// rotator's requests per rotation (the baseline of row 3).

import Foundation
import RekeyModel
import RekeyTestSupport

enum ThroughputBenchmark {
    struct Result {
        var rows: [BenchRow]
        var pythonRequestsPerRotation: Double?
    }

    static func run(_ options: BenchOptions) throws -> Result {
        let count = options.size("--rotations", full: 300, quick: 64)
        let runs = options.size("--runs", full: 3, quick: 1)
        let latency = options.value("--latency") ?? "200ms"
        let concurrency = "32"
        progress("throughput: \(count) jobs, latency \(latency), concurrency \(concurrency), \(runs) runs each")

        var rekeyMedians: [Bool: Double] = [:]
        for verify in [true, false] {
            let sandbox = try BenchSandbox(binary: options.binary, accounts: count, latency: latency)
            defer { sandbox.stop() }
            let dir = try TemporaryDirectory(prefix: "rekey-bench-throughput")
            defer { dir.remove() }
            let selection = try sandbox.writeFleet(in: dir.path, verify: verify)
            let arguments = ["run", "--concurrency", concurrency, "--quiet"] + selection
            try MeasuredCommand.run(options.binary.path, arguments)  // the first rotation: probes prove the keys
            let times = try MeasuredCommand.runs(runs, options.binary.path, arguments + ["--force"]).map(\.seconds)
            rekeyMedians[verify] = times.median
            progress("  rekey, verify \(verify): " + times.map { String(format: "%.2f s", $0) }.joined(separator: ", "))
        }

        var python = Double.nan
        var pythonRequests: Double?
        var pythonNote = "no python3"
        if let python3 = Executables.python3 {
            let sandbox = try BenchSandbox(binary: options.binary, accounts: count, latency: latency)
            defer { sandbox.stop() }
            let dir = try TemporaryDirectory(prefix: "rekey-bench-python")
            defer { dir.remove() }
            _ = try sandbox.writeFleet(in: dir.path, verify: false)
            let arguments = [
                options.scripts.appendingPathComponent("bench-python-rotator.py").path, sandbox.url.absoluteString,
                dir.file("sinks"), "--threads", concurrency,
            ]
            try MeasuredCommand.run(python3, arguments)  // warm: .pyc files, page cache
            let before = try sandbox.requestCount()
            let times = try MeasuredCommand.runs(runs, python3, arguments).map(\.seconds)
            pythonRequests = Double(try sandbox.requestCount() - before) / Double(count * runs)
            python = times.median
            pythonNote = String(format: "Python rotator (32 threads, 1 request/key): %.2f s", python)
            progress("  python: " + times.map { String(format: "%.2f s", $0) }.joined(separator: ", "))
        }

        let measure =
            "\(count) due jobs, \(latency.replacingOccurrences(of: "ms", with: " ms")) latency, concurrency \(concurrency), steady state, median of \(runs): wall time of `rekey run`"
        let rows = [
            BenchRow(
                row: .versusPythonRotator, measure: measure + ", `verify: false`",
                figure: String(format: "%.2f s", rekeyMedians[false] ?? .nan), target: "≤ 1.0× the Python rotator",
                baseline: pythonNote, ratio: BenchRow.ratio(rekeyMedians[false] ?? .nan, python),
                met: python.isFinite ? (rekeyMedians[false] ?? .nan) / python <= 1.0 : nil),
            BenchRow(
                row: .versusPythonRotator, measure: measure + ", default (verify)",
                figure: String(format: "%.2f s", rekeyMedians[true] ?? .nan), target: "≤ 2.1× the Python rotator",
                baseline: pythonNote, ratio: BenchRow.ratio(rekeyMedians[true] ?? .nan, python),
                met: python.isFinite ? (rekeyMedians[true] ?? .nan) / python <= 2.1 : nil),
        ]
        return Result(rows: rows, pythonRequestsPerRotation: pythonRequests)
    }
}

/// A progress line on stderr (the table goes to stdout).
func progress(_ line: String) {
    FileHandle.standardError.write(Data("rekey-bench: \(line)\n".utf8))
}
