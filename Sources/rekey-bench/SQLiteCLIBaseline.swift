// The baselines beside `audit verify`: the `sqlite3` command-line shell running a query over
// the same log, timed the same way — reading every row (the floor the issue names), and
// reading every column the chain covers (what verify reads), without hashing anything.

import Foundation
import RekeyModel

enum SQLiteCLIBaseline {
    /// Reads every column the hash chain covers (the length of each text, the sum of each
    /// integer column), as verify must.
    static let everyColumnQuery: String = {
        let text = [
            "run", "step", "job", "tenant", "env", "provider", "vendor_error_name", "vendor_error_id",
            "old_fp", "new_fp", "trigger", "user", "host", "version", "message", "prev_hash", "hash", "probe_config",
        ]
        let integer = ["seq", "time", "attempt", "http_status", "latency_ms", "expiry", "pid", "exit_code"]
        let sums = text.map { "total(length(\($0)))" } + integer.map { "total(\($0))" }
        return "SELECT count(*), " + sums.joined(separator: " + ") + " FROM events"
    }()

    /// Where the `sqlite3` shell is, or nil when it is not installed.
    static var shell: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("sqlite3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Wall seconds of each of `runs` runs of `sqlite3 -readonly DATABASE SQL` (process start included).
    static func times(database: String, sql: String, runs: Int) throws -> [Double]? {
        guard let shell else { return nil }
        var times: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = shell
            process.arguments = ["-readonly", database, sql]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let started = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            times.append((ContinuousClock.now - started).seconds)
            guard process.terminationStatus == 0 else { return nil }
        }
        return times
    }
}
