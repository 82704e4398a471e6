// `rekey-bench blackout` (issue 13, rows 1–3): scripts/bench-blackout.py against the binary
// under test — from the sandbox processing a regenerate (the old key is dead) to the
// reload hook starting — for 20 jobs at latency 0 and concurrency 1, and for 100 jobs at
// 200 ms and concurrency 32, with and without verify; and the vendor requests per
// steady-state rotation (every round after the first) from the sandbox's request log.

import Foundation

enum BlackoutBenchmark {
    struct Measured {
        var p50: Double
        var p90: Double
        var gaps: Int
        var steadyRequestsPerRotation: Double?
    }

    static func run(_ options: BenchOptions, pythonRequestsPerRotation: Double?) throws -> [BenchRow] {
        guard let python3 = Executables.python3 else {
            return [
                BenchRow(
                    row: .blackoutSerial, measure: "blackout window", figure: "not measured: no python3",
                    target: "p50 ≤ 10 ms")
            ]
        }
        let rounds = options.size("--rounds", full: 3, quick: 2)
        let serialJobs = options.size("--blackout-jobs", full: 20, quick: 5)
        let concurrentJobs = options.size("--blackout-concurrent-jobs", full: 100, quick: 20)
        func measure(jobs: Int, latency: String, concurrency: Int, verify: Bool) throws -> Measured {
            progress(
                "blackout: \(jobs) jobs × \(rounds) rounds, latency \(latency), concurrency \(concurrency), verify \(verify)"
            )
            let text = try MeasuredCommand.output(
                python3,
                [
                    options.scripts.appendingPathComponent("bench-blackout.py").path, options.binary.path, "\(jobs)",
                    latency, "\(concurrency)", verify ? "1" : "0", "\(rounds)", "--json",
                ])
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            return Measured(
                p50: object["p50_ms"] as? Double ?? .nan, p90: object["p90_ms"] as? Double ?? .nan,
                gaps: object["gaps"] as? Int ?? 0,
                steadyRequestsPerRotation: object["steady_requests_per_rotation"] as? Double)
        }
        var rows: [BenchRow] = []
        var requests: [Bool: Double] = [:]
        for verify in [true, false] {
            let serial = try measure(jobs: serialJobs, latency: "0ms", concurrency: 1, verify: verify)
            rows.append(
                BenchRow(
                    row: .blackoutSerial,
                    measure:
                        "blackout window (regenerate processed → reload hook started), \(serialJobs) jobs × \(rounds) rounds, latency 0, concurrency 1, \(verify ? "default (verify)" : "`verify: false`")",
                    figure: String(format: "p50 %.1f ms (p90 %.1f ms, n=%d)", serial.p50, serial.p90, serial.gaps),
                    target: "p50 ≤ 10 ms", met: serial.p50 <= 10))
            requests[verify] = serial.steadyRequestsPerRotation
            let concurrent = try measure(jobs: concurrentJobs, latency: "200ms", concurrency: 32, verify: verify)
            rows.append(
                BenchRow(
                    row: .blackoutConcurrent,
                    measure:
                        "the same, \(concurrentJobs) jobs × \(rounds) rounds, latency 200 ms, concurrency 32, \(verify ? "default (verify)" : "`verify: false`")",
                    figure: String(
                        format: "p90 %.1f ms (p50 %.1f ms, n=%d)", concurrent.p90, concurrent.p50, concurrent.gaps),
                    target: "p90 ≤ 25 ms", met: concurrent.p90 <= 25))
        }
        let baseline =
            pythonRequestsPerRotation.map { String(format: "Python rotator: %.2f (regenerate only)", $0) }
            ?? "– (the Python rotator's count comes from `throughput`)"
        for verify in [true, false] {
            let target = verify ? 2.0 : 1.0
            let figure = requests[verify] ?? .nan
            rows.append(
                BenchRow(
                    row: .requestsPerRotation,
                    measure:
                        "vendor requests per steady-state rotation (every round after the first of the \(serialJobs)-job run), \(verify ? "default (verify)" : "`verify: false`")",
                    figure: String(format: "%.2f", figure), target: String(format: "%.0f", target), baseline: baseline,
                    ratio: BenchRow.ratio(figure, pythonRequestsPerRotation ?? .nan), met: figure <= target))
        }
        return rows
    }
}
