// rekey-bench: issue 13's performance table, measured against the real `rekey` binary (a
// separate process per command: wall time from posix_spawn to wait4, peak RSS from wait4's
// rusage), each row beside a baseline the bench runs itself. Figures, never timed tests.
// See docs/benchmarks.md, and `rekey-bench --help`.

import Foundation

let usage = """
    usage: rekey-bench all|blackout|throughput|idle|audit|startup|memory|fleet [options]

    Prints issue 13's table (measure, figure, target, baseline run in the same run, ratio,
    met) as markdown on stdout, with the machine, its load average at the start and end, and
    the date; progress goes to stderr. `all` runs every part (about 10–15 minutes on 2 cores);
    a part alone prints its own rows:
      blackout    rows 1–3: blackout window and vendor requests per rotation (scripts/bench-blackout.py)
      throughput  row 4: 300 due jobs at 200 ms, concurrency 32, beside scripts/bench-python-rotator.py
      idle        rows 5, 6, 11: `run` with nothing due and `plan` over 10,000 job files, beside PyYAML
      audit       rows 7–9: `audit report` and `audit verify` over 1,000,000 events, beside sqlite3;
                  the audit cost of one rotation beside this disk's fsync
      startup     row 10: `rekey --version`, dynamic and static builds, beside /bin/true
      memory      row 11: peak RSS of a 10,000-rotation run, beside the Python rotator
      fleet       rows 12–14 (issue 15): claim p99, nothing due over 10,000 files on three hosts,
                  three hosts' rotations/s against one's, on a private PostgreSQL it starts

    Options:
      --binary PATH   the `rekey` to measure (default: the one built beside rekey-bench)
      --static PATH   a statically linked `rekey` for row 10 (default: dist/rekey if present)
      --scripts DIR   where the bench scripts are (default: ./scripts)
      --keep DIR      keep the filled audit log and its job files in DIR; reuse them next time
      --quick         small sizes and fewer runs: a smoke run, not figures to quote
      --runs N, --files N, --events N, --jobs N, --rotations N, --memory-rotations N, --rounds N, --claims N, --fleet-rotations N,
      --latency 200ms, --startup-runs N: override a size

    Build first (the bench spawns the release `rekey`):
      swift build -c release && .build/release/rekey-bench all
    """

let arguments = Array(CommandLine.arguments.dropFirst())
let options = BenchOptions(arguments: Array(arguments.dropFirst()))
let part = arguments.first ?? ""
guard ["all", "blackout", "throughput", "idle", "audit", "startup", "memory", "fleet"].contains(part) else {
    print(usage)
    exit(part == "--help" || part == "-h" || part == "help" ? 0 : 64)
}
guard FileManager.default.isExecutableFile(atPath: options.binary.path) else {
    FileHandle.standardError.write(
        Data("rekey-bench: no rekey binary at \(options.binary.path); build it or pass --binary PATH\n".utf8))
    exit(66)
}

let started = MachineDescription.date
let loadAtStart = MachineDescription.loadAverage
var rows: [BenchRow] = []
var pythonRequestsPerRotation: Double?
if part == "all" || part == "throughput" {
    let throughput = try ThroughputBenchmark.run(options)
    rows += throughput.rows
    pythonRequestsPerRotation = throughput.pythonRequestsPerRotation
}
if part == "all" || part == "blackout" {
    rows += try BlackoutBenchmark.run(options, pythonRequestsPerRotation: pythonRequestsPerRotation)
}
if part == "all" || part == "idle" { rows += try IdleBenchmark.run(options) }
if part == "all" || part == "audit" { rows += try await AuditBenchmark.run(options) }
if part == "all" || part == "startup" { rows += try StartupBenchmark.run(options) }
if part == "all" || part == "memory" { rows += try MemoryBenchmark.run(options) }
if part == "all" || part == "fleet" { rows += try await FleetBenchmark.run(options) }

print(MachineDescription.header(binary: options.binary, started: started, loadAtStart: loadAtStart))
if options.quick { print("--quick: small sizes, a smoke run; these are not figures to quote") }
print()
print(BenchTable.render(rows))
