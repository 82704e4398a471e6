// A fake `RekeyClock` for tests: `sleep` returns at once and advances the clock, and
// every requested sleep is recorded, so a backoff test checks the waits without waiting.

import Foundation
import RekeyModel
import Synchronization

public final class ManualClock: RekeyClock {
    private struct State {
        var now: Date
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.now += duration.seconds
            $0.sleeps.append(duration)
        }
    }

    public func advance(by duration: Duration) {
        state.withLock { $0.now += duration.seconds }
    }

    public func set(_ date: Date) {
        state.withLock { $0.now = date }
    }

    /// Every duration passed to `sleep`, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }
}
