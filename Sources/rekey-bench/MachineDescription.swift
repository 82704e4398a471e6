// What the figures were taken on: the date, the cores, the memory, the kernel, the load
// average when the run started and when it ended (the figures of a loaded machine are upper
// bounds), and the `rekey` measured.

import Foundation

enum MachineDescription {
    /// The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.
    static var loadAverage: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static var date: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date()) + " UTC"
    }

    static var memory: String {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return "? GiB" }
        return String(format: "%.0f GiB", kilobytes / 1_048_576)
    }

    static var kernel: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// `rekey --version` of the binary measured.
    static func version(of binary: URL) -> String {
        ((try? MeasuredCommand.output(binary.path, ["--version"])) ?? "?").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    static func header(binary: URL, started: String, loadAtStart: String) -> String {
        """
        rekey-bench, \(started): \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory), Linux \(kernel); \
        load average (1, 5, 15 min) \(loadAtStart) at the start, \(loadAverage) at the end
        measured: \(binary.path) (\(version(of: binary)))
        """
    }
}
