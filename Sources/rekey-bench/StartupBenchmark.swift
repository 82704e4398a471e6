// `rekey-bench startup`: how long `rekey --version` takes from exec to exit (the fixed
// cost of every cron run), median of 21 runs.

import Foundation
import RekeyTestSupport

enum StartupBenchmark {
    static func run() throws {
        var times: [Double] = []
        for _ in 0..<21 {
            let started = ContinuousClock.now
            let result = try RekeyProcess.run(["--version"])
            times.append((ContinuousClock.now - started).seconds * 1000)
            guard result.status == 0 else { throw CocoaError(.executableLoad) }
        }
        times.sort()
        print(
            String(
                format: "rekey --version: median %.1f ms, min %.1f ms, max %.1f ms (21 runs, %@)", times[10], times[0],
                times[20], RekeyProcess.binary.path))
    }
}
