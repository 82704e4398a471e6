// `rekey-bench startup`: how long `rekey --version` takes from spawn to exit (the fixed
// cost of every cron run), median of 21 runs, beside `/bin/true` spawned the same way —
// the floor of spawn and wait from this process. `--binary PATH` (repeatable) measures
// other builds, such as one linked with `--static-swift-stdlib`; the default is the `rekey`
// built beside this benchmark.

import Foundation
import RekeyModel
import RekeyTestSupport

enum StartupBenchmark {
    /// Issue 13's target for `rekey --version`, in milliseconds.
    static let targetMilliseconds = 10.0

    static func run(arguments: [String]) throws {
        var binaries: [URL] = []
        for (index, argument) in arguments.enumerated() where argument == "--binary" && index + 1 < arguments.count {
            binaries.append(URL(fileURLWithPath: arguments[index + 1]))
        }
        if binaries.isEmpty { binaries = [RekeyProcess.binary] }
        let floor = try times(URL(fileURLWithPath: "/bin/true"), [])
        print("rekey-bench startup: wall time from spawn to exit, 21 runs each")
        print("| command | median | min | max | target | baseline (`/bin/true`, median) | ratio |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for binary in binaries {
            let measured = try times(binary, ["--version"])
            let size = (try? FileManager.default.attributesOfItem(atPath: binary.path)[.size] as? Int) ?? 0
            print(
                String(
                    format: "| `%@ --version` (%.0f MB) | %.1f ms | %.1f ms | %.1f ms | ≤ %.0f ms | %.1f ms | %.1f× |",
                    binary.path, Double(size) / 1_000_000, measured[10], measured[0], measured[20],
                    targetMilliseconds, floor[10], measured[10] / floor[10]))
        }
    }

    /// Milliseconds of 21 runs of `executable arguments`, sorted; throws if one fails.
    /// Spawned and reaped directly (`posix_spawn`, `waitpid`), as cron does: `Foundation.Process`
    /// noticed a child's exit up to 35 ms late here, which is more than the start-up measured.
    static func times(_ executable: URL, _ arguments: [String]) throws -> [Double] {
        var times: [Double] = []
        for _ in 0..<21 {
            let started = ContinuousClock.now
            let status = try spawnAndWait(executable.path, arguments)
            times.append((ContinuousClock.now - started).seconds * 1000)
            guard status == 0 else { throw CocoaError(.executableLoad) }
        }
        return times.sorted()
    }

    /// Runs `path arguments` with stdin, stdout and stderr on /dev/null; returns its exit status.
    static func spawnAndWait(_ path: String, _ arguments: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS, which Swift cannot import (macros).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }
}
