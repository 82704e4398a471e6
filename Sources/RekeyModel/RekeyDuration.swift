// Durations as job files spell them: `90s`, `15m`, `12h`, `30d`, `1w`, `1h30m`.
// One parser and one formatter, so `plan` prints what an operator would write.

import Foundation

public struct RekeyDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    public static func minutes(_ n: Int64) -> Self { .init(seconds: n * 60) }
    public static func hours(_ n: Int64) -> Self { .init(seconds: n * 3600) }
    public static func days(_ n: Int64) -> Self { .init(seconds: n * 86_400) }

    public var timeInterval: TimeInterval { TimeInterval(seconds) }
    public var duration: Duration { .seconds(seconds) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }

    static let units: [(Character, Int64)] = [
        ("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1),
    ]

    /// Parses `1h30m`-style text: one or more `<digits><unit>` groups, units w d h m s
    /// (also `ms` for sub-second values, rounded up to whole seconds only when > 0).
    /// Returns nil for anything else, including a bare number and an empty string.
    public static func parse(_ text: String) -> RekeyDuration? {
        parseMilliseconds(text).map { RekeyDuration(seconds: ($0 + 999) / 1000) }
    }

    /// The same grammar, in milliseconds (`50ms` is valid here): for latencies and timeouts.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        let chars = Array(text.trimmingCharacters(in: .whitespaces))
        guard !chars.isEmpty, chars.count <= 64 else { return nil }
        var total: Int64 = 0
        var index = 0
        var lastUnitRank = -1
        while index < chars.count {
            var digits: Int64 = 0
            var sawDigit = false
            while index < chars.count, let d = chars[index].wholeNumberValue, chars[index].isASCII {
                let (m, o1) = digits.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                digits = a
                sawDigit = true
                index += 1
            }
            guard sawDigit, index < chars.count else { return nil }
            let unitMillis: Int64
            let rank: Int
            if chars[index] == "m", index + 1 < chars.count, chars[index + 1] == "s" {
                unitMillis = 1
                rank = 5
                index += 2
            } else if let position = units.firstIndex(where: { $0.0 == chars[index] }) {
                unitMillis = units[position].1 * 1000
                rank = position
                index += 1
            } else {
                return nil
            }
            // Units must go from large to small, each once: `1h30m`, never `30m1h`.
            guard rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            let (part, o3) = digits.multipliedReportingOverflow(by: unitMillis)
            let (sum, o4) = total.addingReportingOverflow(part)
            guard !o3, !o4 else { return nil }
            total = sum
        }
        return total
    }

    /// `1h30m`, `30d`, `0s`: the largest units first, zero parts left out.
    public var description: String {
        guard seconds > 0 else { return seconds == 0 ? "0s" : "-" + RekeyDuration(seconds: -seconds).description }
        var rest = seconds
        var out = ""
        for (unit, size) in Self.units where unit != "w" {
            let n = rest / size
            if n > 0 {
                out += "\(n)\(unit)"
                rest -= n * size
            }
        }
        return out
    }

    /// A short, rounded form for tables: `31d`, `20h`, `45m`, `10s`.
    public var approximate: String {
        let s = abs(seconds)
        let sign = seconds < 0 ? "-" : ""
        if s >= 86_400 { return "\(sign)\(s / 86_400)d" }
        if s >= 3600 { return "\(sign)\(s / 3600)h" }
        if s >= 60 { return "\(sign)\(s / 60)m" }
        return "\(sign)\(s)s"
    }
}
