// Simulates a process dying at its k-th side effect: that effect and every later one
// fail, as if the process were gone. Counting effects lets a test crash at every step
// of the rotation protocol in turn.

import Foundation
import Synchronization

public final class CrashSwitch: Sendable {
    public struct Crashed: Error, CustomStringConvertible {
        public var description: String { "simulated crash" }
    }

    private struct State {
        var count = 0
        var dead = false
        var steps: [String] = []
        var diedAt: String?
    }

    private let state = Mutex(State())
    /// Die at this effect (1-based); nil never dies.
    public let crashAt: Int?

    public init(crashAt: Int?) {
        self.crashAt = crashAt
    }

    /// Call before an effect; throws when the process is (now) dead.
    public func effect(_ name: String) throws {
        try state.withLock { (s: inout State) throws(Crashed) in
            if s.dead { throw Crashed() }
            s.count += 1
            s.steps.append(name)
            if s.count == crashAt {
                s.dead = true
                s.diedAt = name
                throw Crashed()
            }
        }
    }

    public var isDead: Bool { state.withLock { $0.dead } }
    public var diedAt: String? { state.withLock { $0.diedAt } }
    public var steps: [String] { state.withLock { $0.steps } }
}
