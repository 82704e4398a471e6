// The options every part of `rekey-bench` reads: which `rekey` binary to measure (a
// separate process), where the static build and the bench scripts are, `--quick` for a
// smoke run with small sizes, and `--keep DIR` to reuse a filled audit log.

import Foundation
import RekeyTestSupport

struct BenchOptions {
    let arguments: [String]

    /// `--quick`: small sizes, fewer runs — a smoke run of the whole table, not figures to quote.
    var quick: Bool { arguments.contains("--quick") }

    /// `--binary PATH`: the `rekey` under test (default: the one built beside `rekey-bench`).
    var binary: URL {
        let path = value("--binary")
        return path.map { URL(fileURLWithPath: $0) } ?? RekeyProcess.binary
    }

    /// `--static PATH`: a statically linked `rekey` for the start-up row (default: dist/rekey,
    /// as scripts/package.sh leaves it, when present).
    var staticBinary: URL? {
        let path = value("--static") ?? "dist/rekey"
        return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }

    /// `--scripts DIR`: where bench-blackout.py and bench-python-rotator.py are (default:
    /// ./scripts, else the scripts directory of the checkout this binary was built in).
    var scripts: URL {
        if let path = value("--scripts") { return URL(fileURLWithPath: path) }
        if FileManager.default.fileExists(atPath: "scripts/bench-blackout.py") {
            return URL(fileURLWithPath: "scripts")
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent("scripts")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("bench-blackout.py").path) {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "scripts")
    }

    /// `--keep DIR`: the audit part keeps its filled log there and reuses it next time.
    var keep: String? { value("--keep") }

    /// The value after `name`, if given.
    func value(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// `name`'s integer value, else `full` (or `quick` with `--quick`).
    func size(_ name: String, full: Int, quick small: Int) -> Int {
        value(name).flatMap { Int($0) } ?? (quick ? small : full)
    }
}
