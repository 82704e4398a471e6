// The one JSON convention of everything rekey prints for tools (`plan`, `validate`,
// `audit report`, `audit report --events`, `run --log-format json`): snake_case keys,
// times in RFC 3339 UTC with milliseconds (`2026-11-25T12:00:00.000Z`), durations in
// seconds with millisecond precision (`0.569`), slashes not escaped, sorted keys, and
// `"schema_version": 1` at the top of every document and on every JSON line.
// Internal files (spool entries, sandbox routes) are not outputs and keep their own.

import Foundation

public enum JSONOutput {
    /// Goes up when a key is renamed or removed or a value changes meaning; adding a key
    /// does not change it.
    public static let schemaVersion = 1

    /// The encoder every output uses: pretty-printed documents, or one compact JSON line
    /// (`lines`) for JSON Lines streams.
    public static func encoder(lines: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            lines ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(time(date))
        }
        return encoder
    }

    /// `value` as a JSON document (or one line with `lines`), as text.
    public static func encode(_ value: some Encodable, lines: Bool = false) throws -> String {
        String(decoding: try encoder(lines: lines).encode(value), as: UTF8.self)
    }

    /// `2026-11-25T12:00:00.123Z`: RFC 3339, UTC, always three fractional digits, rounded
    /// to the millisecond (the audit log's precision).
    public static func time(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        // A negative remainder (before 1970) borrows a second, so the fraction stays 0...999.
        let wholeSeconds = fraction < 0 ? seconds - 1 : seconds
        let millis = fraction < 0 ? fraction + 1000 : fraction
        let whole = Timestamps.iso8601(Date(timeIntervalSince1970: TimeInterval(wholeSeconds)))
        let digits = String(millis)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// A duration in seconds, rounded to the millisecond: `0.5693234205245972` → `0.569`.
    public static func seconds(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
