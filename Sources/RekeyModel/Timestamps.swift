// Times as operators read and type them: ISO 8601 in UTC, whole seconds.

import Foundation

public enum Timestamps {
    /// `2026-11-24T13:37:00Z`
    public static func iso8601(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }

    /// Parses `2026-11-24T13:37:00Z` (fractional seconds and offsets accepted).
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}
