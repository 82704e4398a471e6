// The time seam: wall-clock time for schedules and audit rows, and sleeping for
// backoff. Production uses `SystemClock`; tests pass `ManualClock` (RekeyTestSupport),
// whose sleeps return at once and only advance its time.

import Foundation

public protocol RekeyClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends for `duration` (or returns at once under a fake clock). Throws on cancellation.
    func sleep(for duration: Duration) async throws
}

public struct SystemClock: RekeyClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds as a `Double` (for `Date` arithmetic and display).
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
