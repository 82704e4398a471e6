// The baselines beside `audit report` and `audit verify`: the `sqlite3` command-line shell
// running a query over the same log, spawned and timed the same way as `rekey` — the
// report's `GROUP BY` (one row per job), and reading every column the chain covers (what
// verify reads) without hashing anything.

import Foundation

enum SQLiteCLIBaseline {
    /// What `audit report` computes at the least: per job, its events and its last time.
    static let groupByQuery = "SELECT job, count(*), max(time) FROM events GROUP BY job"

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
    static var shell: String? { Executables.find("sqlite3") }

    /// Wall seconds of `runs` runs of `sqlite3 -readonly DATABASE SQL`, or nil without the shell.
    static func times(database: String, sql: String, runs: Int) throws -> [Double]? {
        guard let shell else { return nil }
        return try MeasuredCommand.runs(runs, shell, ["-readonly", database, sql]).map(\.seconds)
    }
}
