// Runs one command as cron would and measures it from outside: spawned with `posix_spawn`,
// reaped with `wait4`, so the wall time is spawn to exit. `Foundation.Process` noticed a
// child's exit up to 35 ms late on this machine, more than some figures measured here.
//
// Peak RSS is the child's `ru_maxrss`, but not from a child of this process: Linux keeps
// the largest RSS a process ever had across `exec`, and a child spawned here ran on this
// benchmark's memory until its `exec` (vfork), so its `ru_maxrss` is at least this
// benchmark's own peak (measured: 121 MB for every command after the audit log was filled).
// With `peakRSS: true` the command runs under GNU time (`/usr/bin/time -f %M`), a 2 MB
// process that forks it and reports its rusage from `wait4`; its spawn adds about a
// millisecond to the wall time.

import Foundation
import RekeyModel

struct CommandMeasurement {
    var seconds: Double
    /// nil unless asked for (and GNU time is installed).
    var peakRSSMegabytes: Double?
}

struct CommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var description: String {
        "`\(command.joined(separator: " "))` exited \(status) (run it by hand to see why)"
    }
}

enum MeasuredCommand {
    /// GNU time, which reports a child's own peak RSS; nil when it is not installed.
    static let gnuTime: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil

    /// Runs `path arguments` to completion with stdin on /dev/null, stdout to `stdout` (or
    /// /dev/null) and stderr to /dev/null; throws unless it exits 0. With `peakRSS`, also
    /// its own peak RSS (under GNU time; nil without it).
    @discardableResult
    static func run(_ path: String, _ arguments: [String], stdout: String? = nil, peakRSS: Bool = false) throws
        -> CommandMeasurement
    {
        guard peakRSS, let gnuTime else { return try spawn(path, arguments, stdout: stdout) }
        let report = NSTemporaryDirectory() + "rekey-bench-rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: report) }
        var measured = try spawn(gnuTime, ["-f", "%M", "-o", report, path] + arguments, stdout: stdout)
        let text = try String(contentsOfFile: report, encoding: .utf8)
        // The last line is the figure (GNU time writes "Command exited with non-zero status" above it).
        let kilobytes = text.split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        measured.peakRSSMegabytes = kilobytes.map { $0 / 1024 }
        return measured
    }

    /// Spawns `path arguments` from this process and waits for it (wall time only: its rusage
    /// would include this process's peak RSS, see the top of this file).
    static func spawn(_ path: String, _ arguments: [String], stdout: String?) throws -> CommandMeasurement {
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
        while wait4(pid, &status, 0, nil) < 0 && errno == EINTR {}
        let seconds = (ContinuousClock.now - started).seconds
        // WIFEXITED and WEXITSTATUS, which Swift cannot import (macros).
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
        guard exit == 0 else { throw CommandFailed(command: [path] + arguments, status: exit) }
        return CommandMeasurement(seconds: seconds, peakRSSMegabytes: nil)
    }

    /// `runs` runs of the same command.
    static func runs(_ count: Int, _ path: String, _ arguments: [String], peakRSS: Bool = false) throws
        -> [CommandMeasurement]
    {
        try (0..<count).map { _ in try run(path, arguments, peakRSS: peakRSS) }
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
