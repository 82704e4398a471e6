// An in-process vendor for runner tests: one valid key per account, a regenerate that
// kills the old key, and scripted failures. Unlike the sandbox it needs no network, so
// crash and fault tests can step through every effect in microseconds.

import Foundation
import RekeyVendor
import Synchronization

public final class FakeVendor: Sendable {
    public enum Fault: Sendable, Hashable {
        /// The request never reaches the vendor.
        case unreachable
        /// The vendor rotates the key, then the answer is lost.
        case answerLost
        /// An HTTP status with an optional vendor error id.
        case status(Int, errorID: String?)
    }

    private struct State {
        var validKey: String
        var counter = 0
        var faults: [Fault] = []
        var regenerates = 0
        var probes = 0
        var unansweredProbes = 0
    }

    private let state: Mutex<State>
    public let idempotent: Bool

    public init(initialKey: String, idempotent: Bool = false) {
        state = Mutex(State(validKey: initialKey))
        self.idempotent = idempotent
    }

    public var validKey: String { state.withLock { $0.validKey } }
    public var regenerateCount: Int { state.withLock { $0.regenerates } }
    public var probeCount: Int { state.withLock { $0.probes } }

    /// Faults applied to the next regenerate calls, in order.
    public func inject(_ faults: [Fault]) {
        state.withLock { $0.faults += faults }
    }

    /// Someone revoked the current key at the vendor's console: no one holds the new one.
    public func revokeOutOfBand() {
        state.withLock { $0.validKey = "revoked-out-of-band-\(UInt64.random(in: 1...UInt64.max))" }
    }

    /// The next `count` probes get no answer (a vendor outage).
    public func leaveProbesUnanswered(_ count: Int) {
        state.withLock { $0.unansweredProbes = count }
    }

    public enum Failure: Error, Sendable {
        case unreachable
        case answerLost
        case status(Int, String?)
    }

    /// One regenerate: returns the new key, or throws the scripted failure.
    public func regenerate(current: String) throws(Failure) -> String {
        try state.withLock { (s: inout State) throws(Failure) -> String in
            let fault = s.faults.isEmpty ? nil : s.faults.removeFirst()
            if fault == .unreachable { throw .unreachable }
            if case .status(let code, let id) = fault { throw .status(code, id) }
            guard current == s.validKey || idempotent else { throw .status(401, "1010") }
            s.regenerates += 1
            s.counter += 1
            let key = "fake-key-\(s.counter)-\(UInt64.random(in: 1...UInt64.max))"
            if !idempotent { s.validKey = key }
            if fault == .answerLost { throw .answerLost }
            return key
        }
    }

    public func probe(_ key: String) -> ProbeResult {
        state.withLock { s in
            s.probes += 1
            if s.unansweredProbes > 0 {
                s.unansweredProbes -= 1
                return .noAnswer("the vendor did not answer")
            }
            return key == s.validKey ? .works : .dead
        }
    }
}
