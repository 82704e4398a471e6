// rekey-bench: benchmark programs that print figures (never timed tests).
//   rekey-bench rotation [--jobs 1000] [--latency-ms 50] [--concurrency 1,8,32] [--files 10000]
//   rekey-bench audit [--events 1000000] [--jobs 10000]
//   rekey-bench startup [--binary PATH]...
// Build the release binaries first (the sandbox runs as a separate `rekey` process):
//   swift build -c release && .build/release/rekey-bench rotation

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "rotation":
    try await RotationBenchmark.run(arguments: Array(arguments.dropFirst()))
case "audit":
    try await AuditBenchmark.run(arguments: Array(arguments.dropFirst()))
case "startup":
    try StartupBenchmark.run(arguments: Array(arguments.dropFirst()))
default:
    print(
        """
        usage: rekey-bench rotation [--jobs N] [--latency-ms MS] [--concurrency 1,8,32] [--files N]
               rekey-bench audit [--events N] [--jobs M]
               rekey-bench startup [--binary PATH]...
        """)
    exit(64)
}
