// A fake `RekeyClock` for tests: `sleep` returns at once and advances the clock, and
// every requested sleep is recorded, so a backoff test checks the waits without waiting.

import Foundation
import RekeyKit

public final class ManualClock: RekeyClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var recordedSleeps: [Duration] = []

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.current = now
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        advance(by: duration)
        lock.lock()
        recordedSleeps.append(duration)
        lock.unlock()
    }

    public func advance(by duration: Duration) {
        lock.lock()
        current += duration.seconds
        lock.unlock()
    }

    public func set(_ date: Date) {
        lock.lock()
        current = date
        lock.unlock()
    }

    /// Every duration passed to `sleep`, in order.
    public var sleeps: [Duration] {
        lock.lock()
        defer { lock.unlock() }
        return recordedSleeps
    }
}
