// Backoff between attempts: full jitter (a uniform draw in 0 ..< min(max, base × 2^(n−1)))
// from an injected random source, or the vendor's Retry-After, always within the
// overall deadline.

import Foundation
import RekeyModel

public struct RetryPolicy: Sendable {
    public var settings: RetrySettings
    public var random: any RandomSource

    public init(settings: RetrySettings, random: any RandomSource) {
        self.settings = settings
        self.random = random
    }

    /// The ceiling of the backoff after attempt `n` (1-based).
    public func ceiling(afterAttempt n: Int) -> Duration {
        let base = settings.base.seconds
        let raw = base * pow(2, Double(min(max(n - 1, 0), 30)))
        return .milliseconds(Int64(min(raw, settings.max.seconds) * 1000))
    }

    /// The wait before attempt `n + 1`: Retry-After when the vendor sent one, else full jitter.
    public func delay(afterAttempt n: Int, retryAfterSeconds: Double?) -> Duration {
        if let retryAfterSeconds { return .milliseconds(Int64(max(0, retryAfterSeconds) * 1000)) }
        return .milliseconds(Int64(random.nextUnit() * ceiling(afterAttempt: n).seconds * 1000))
    }

    /// `Retry-After`: delta seconds, or an HTTP date (relative to `now`).
    public static func parseRetryAfter(_ value: String?, now: Date) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
