// A daily UTC window such as `22:00-04:00`, in which a job may rotate. A window
// whose end is before its start wraps past midnight.

import Foundation

public struct TimeWindow: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after 00:00 UTC.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM` (24-hour, UTC). Start and end must differ.
    public static func parse(_ text: String) -> TimeWindow? {
        let parts = text.replacingOccurrences(of: " ", with: "").split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else {
            return nil
        }
        return TimeWindow(start: start, end: end)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let hm = text.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count == 2, hm[1].count == 2,
            let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m),
            h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func minuteOfDay(_ date: Date) -> Int {
        let seconds = Int(floor(date.timeIntervalSince1970))
        let daySeconds = ((seconds % 86_400) + 86_400) % 86_400
        return daySeconds / 60
    }

    public func contains(_ date: Date) -> Bool {
        let minute = Self.minuteOfDay(date)
        if start < end { return minute >= start && minute < end }
        return minute >= start || minute < end
    }

    /// The first instant at or after `date` inside the window.
    public func nextOpening(atOrAfter date: Date) -> Date {
        if contains(date) { return date }
        let seconds = floor(date.timeIntervalSince1970)
        let dayStart =
            seconds
            - (seconds.truncatingRemainder(dividingBy: 86_400) + 86_400)
            .truncatingRemainder(dividingBy: 86_400)
        var candidate = Date(timeIntervalSince1970: dayStart + Double(start % 1440) * 60)
        if candidate < date { candidate += 86_400 }
        return candidate
    }

    public var description: String {
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        return "\(hhmm(start))-\(hhmm(end))"
    }
}
