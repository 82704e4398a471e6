// `rekey-bench fleet` (issue 15, "Scale"): fleet mode on one private PostgreSQL (started by
// the bench, fsync on) with three hosts:
// - claim p99: three claimers (`PostgresLeaseProvider`, in this process) each claiming and
//   releasing jobs of one shared table, one job per claim, as a run claims when a slot frees;
// - nothing due: 10,000 job files pinned round-robin to three hosts (`host:`), every job
//   baselined, the three hosts' `rekey run` started at once: the slowest host's wall time
//   (median of runs), beside one host's run over the same files against SQLite;
// - scale-out: 960 due jobs against the sandbox at 200 ms latency, all pinned to one host and
//   run by it, then spread over three hosts run at once: rotations per second, three against one.

import Foundation
import RekeyPostgresStore
import RekeyTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

enum FleetBenchmark {
    static let hosts = ["bench-a", "bench-b", "bench-c"]

    static func run(_ options: BenchOptions) async throws -> [BenchRow] {
        progress("fleet: starting a private PostgreSQL (fsync on)")
        let cluster = try PostgresTestCluster.start(durable: true)
        let claims = try await claimLatency(cluster, options)
        let idle = try idle(cluster, options)
        let scale = try scaleOut(cluster, options)
        return [claims, idle, scale]
    }

    /// A fleet's files in a fresh directory: rekey.yaml with the fleet key and the lease.
    static func fleetDirectory(_ prefix: String) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: prefix)
        let key = try dir.write("fleet.key", String(repeating: "b", count: 48))
        chmod(key, 0o600)
        try dir.write("rekey.yaml", "fleet:\n  key: {file: \(key)}\n  lease: 5m\n")
        return dir
    }

    /// `rekey ARGS` for `host` of the fleet in `dir` against `url`.
    static func arguments(_ command: [String], dir: TemporaryDirectory, url: String, host: String) -> [String] {
        command + [
            "--db", url, "--host", host, "--jobs", dir.file("jobs"), "--state-dir", dir.file("state-\(host)"),
            "--config", dir.file("rekey.yaml"),
        ]
    }

    /// Runs the commands at once, each on a thread of its own; their wall times.
    static func concurrently(_ binary: String, _ commands: [[String]]) throws -> [Double] {
        let group = DispatchGroup()
        let results = Mutex<[Int: Result<Double, any Error>]>([:])
        for (index, command) in commands.enumerated() {
            group.enter()
            Thread.detachNewThread {
                let result = Result { try MeasuredCommand.run(binary, command).seconds }
                results.withLock { $0[index] = result }
                group.leave()
            }
        }
        group.wait()
        let finished = results.withLock { $0 }
        return try commands.indices.map { try finished[$0]!.get() }
    }

    static func claimLatency(_ cluster: PostgresTestCluster, _ options: BenchOptions) async throws -> BenchRow {
        let count = options.size("--claims", full: 2_000, quick: 200)
        let url = try PostgresURL(parsing: try cluster.makeDatabase())
        progress("fleet: claim latency, \(hosts.count) claimers × \(count) claims")
        let providers = try await withThrowingTaskGroup(of: PostgresLeaseProvider.self) { group in
            for host in hosts {
                group.addTask { try await PostgresLeaseProvider.open(url: url, password: nil, holder: host) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for provider in providers { provider.close() } }
        let jobs = (0..<10_000).map { "job-\($0)" }
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for (index, provider) in providers.enumerated() {
                group.addTask {
                    var times: [Double] = []
                    for claim in 0..<count {
                        // Claimers walk the table from different places and sometimes meet.
                        let job = jobs[(index * 3_333 + claim * 7) % jobs.count]
                        let started = ContinuousClock.now
                        let leases = try await provider.claim([job], limit: 1, duration: 60)
                        times.append((ContinuousClock.now - started).seconds)
                        for lease in leases { try await provider.release(lease) }
                    }
                    return times
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }.sorted()
        let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        let p50 = latencies[latencies.count / 2]
        progress("  claim p50 \(milliseconds(p50)), p99 \(milliseconds(p99))")
        return BenchRow(
            row: .fleetClaim,
            measure:
                "fleet: claim of one due job (one transaction, FOR UPDATE SKIP LOCKED), \(hosts.count) claimers at once, \(latencies.count) claims, p99 (p50 \(milliseconds(p50)))",
            figure: milliseconds(p99), target: "≤ 10 ms", met: p99 <= 0.010)
    }

    static func idle(_ cluster: PostgresTestCluster, _ options: BenchOptions) throws -> BenchRow {
        let files = options.size("--files", full: 10_000, quick: 600)
        let runs = options.size("--runs", full: 5, quick: 2)
        let url = try cluster.makeDatabase()
        let dir = try fleetDirectory("rekey-bench-fleet-idle")
        defer { dir.remove() }
        let accounts = (0..<files).map { (organization: "\($0 + 1)", key: "qp-bench-\($0)") }
        try BenchJobFiles.write(accounts, in: dir.path, endpoint: "datacenter: com", tenants: 50, hosts: hosts)
        progress("fleet: nothing due, \(files) job files over \(hosts.count) hosts, \(runs) runs")
        // Every job fresh: one baseline marks them all (it claims each job's lease in turn).
        try MeasuredCommand.run(
            bin(options),
            [
                "baseline", "--db", url, "--jobs", dir.file("jobs"), "--state-dir", dir.file("state-baseline"),
                "--config", dir.file("rekey.yaml"),
            ])
        let commands = hosts.map { arguments(["run", "--trigger", "cron", "--quiet"], dir: dir, url: url, host: $0) }
        _ = try concurrently(bin(options), commands)  // the job-file caches
        var slowest: [Double] = []
        for _ in 0..<runs { slowest.append(try concurrently(bin(options), commands).max() ?? .nan) }
        let median = slowest.median
        progress("  slowest host per run: " + slowest.map(seconds).joined(separator: ", "))
        // The same host alone: what one host costs when it does not share the cores.
        let alone = try MeasuredCommand.runs(runs, bin(options), commands[0]).map(\.seconds)
        progress("  one host alone: " + alone.map(seconds).joined(separator: ", "))
        return BenchRow(
            row: .fleetIdle,
            measure:
                "fleet: `run` with nothing due, \(files) job files, \(hosts.count) hosts at once on 2 cores, slowest host, median of \(runs)",
            figure: seconds(median), target: "≤ 0.5 s per host",
            baseline: "one host alone: " + seconds(alone.median), ratio: BenchRow.ratio(median, alone.median),
            met: median <= 0.5)
    }

    static func scaleOut(_ cluster: PostgresTestCluster, _ options: BenchOptions) throws -> BenchRow {
        // 30 rounds of 32 slots for one host, 10 for each of three: few enough rounds and
        // the fixed cost of a run (start, recovery, the last short round) hides the scaling.
        let count = options.size("--fleet-rotations", full: 960, quick: 60)
        let latency = options.value("--latency") ?? "200ms"
        progress("fleet: \(count) due jobs at \(latency), one host, then \(hosts.count) hosts")
        var rates: [Int: Double] = [:]
        for hostCount in [1, hosts.count] {
            let sandbox = try BenchSandbox(binary: options.binary, accounts: count, latency: latency)
            defer { sandbox.stop() }
            let url = try cluster.makeDatabase()
            let dir = try fleetDirectory("rekey-bench-fleet-scale")
            defer { dir.remove() }
            let chosen = Array(hosts.prefix(hostCount))
            try BenchJobFiles.write(
                sandbox.accounts, in: dir.path, endpoint: "base_url: \(sandbox.url.absoluteString)", tenants: 50,
                hosts: chosen)
            let commands = chosen.map {
                arguments(["run", "--concurrency", "32", "--quiet"], dir: dir, url: url, host: $0)
            }
            let wall = try concurrently(bin(options), commands).max() ?? .nan
            rates[hostCount] = Double(count) / wall
            progress(String(format: "  %d host(s): %.2f s, %.1f rotations/s", hostCount, wall, Double(count) / wall))
        }
        let one = rates[1] ?? .nan
        let three = rates[hosts.count] ?? .nan
        return BenchRow(
            row: .fleetScale,
            measure:
                "fleet: \(count) due jobs, \(latency.replacingOccurrences(of: "ms", with: " ms")) latency, concurrency 32 per host, first rotation (probe, regenerate, verify): \(hosts.count) hosts' rotations/s",
            figure: String(format: "%.1f/s", three), target: "≥ 2.5× one host",
            baseline: String(format: "one host: %.1f/s", one), ratio: BenchRow.ratio(three, one),
            met: three / one >= 2.5)
    }

    static func bin(_ options: BenchOptions) -> String { options.binary.path }
}
