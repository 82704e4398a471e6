// Runs one command as cron would and measures it from outside: spawned with `posix_spawn`,
// reaped with `wait4`, so the wall time is spawn to exit and the peak RSS is the child's
// own (`ru_maxrss` of its rusage; never this benchmark's). `Foundation.Process` noticed a
// child's exit up to 35 ms late on this machine, more than some figures measured here.

import Foundation
import RekeyModel

struct CommandMeasurement {
    var seconds: Double
    var peakRSSMegabytes: Double
}

struct CommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var description: String {
        "`\(command.joined(separator: " "))` exited \(status) (run it by hand to see why)"
    }
}

enum MeasuredCommand {
    /// Runs `path arguments` to completion with stdin on /dev/null, stdout to `stdout` (or
    /// /dev/null) and stderr to /dev/null; throws unless it exits 0 (or `allowedStatus`).
    @discardableResult
    static func run(
        _ path: String, _ arguments: [String], stdout: String? = nil, allowedStatus: Set<Int32> = [0]
    ) throws -> CommandMeasurement {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let started = ContinuousClock.now
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
            throw CommandFailed(command: [path] + arguments, status: 127)
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = (ContinuousClock.now - started).seconds
        // WIFEXITED and WEXITSTATUS, which Swift cannot import (macros).
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
        guard allowedStatus.contains(exit) else { throw CommandFailed(command: [path] + arguments, status: exit) }
        return CommandMeasurement(seconds: seconds, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024)
    }

    /// `runs` runs of the same command.
    static func runs(_ count: Int, _ path: String, _ arguments: [String]) throws -> [CommandMeasurement] {
        try (0..<count).map { _ in try run(path, arguments) }
    }

    /// Runs `path arguments` and returns its standard output (for scripts that print JSON);
    /// throws unless it exits 0.
    static func output(_ path: String, _ arguments: [String]) throws -> String {
        let file = NSTemporaryDirectory() + "rekey-bench-output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try run(path, arguments, stdout: file)
        return try String(contentsOfFile: file, encoding: .utf8)
    }
}

/// The median and other order statistics of a sample.
extension Array where Element == Double {
    var median: Double {
        guard !isEmpty else { return .nan }
        let sorted = sorted()
        let middle = count / 2
        return count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Nearest rank: the smallest value with at least `fraction` of the sample at or below it.
    func percentile(_ fraction: Double) -> Double {
        guard !isEmpty else { return .nan }
        let rank = Int((Double(count) * fraction).rounded(.up))
        return sorted()[Swift.max(0, rank - 1)]
    }
}
