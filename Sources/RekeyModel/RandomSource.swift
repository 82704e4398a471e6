// The randomness seam: backoff jitter and `--splay` draw from a `RandomSource`, so
// tests pass a seeded one and get the same sequence every run.

import Foundation
import Synchronization

public protocol RandomSource: Sendable {
    /// A uniformly distributed value in `0 ..< 1`.
    func nextUnit() -> Double
}

/// The system's cryptographic generator; the production default.
public struct SystemRandomSource: RandomSource {
    public init() {}
    public func nextUnit() -> Double { Double.random(in: 0..<1) }
}

/// SplitMix64: a small, fast, well-distributed generator with a 64-bit seed.
/// Thread-safe, so one instance can serve concurrent jobs (the order of draws
/// then depends on scheduling, but every draw stays in range).
public final class SeededRandomSource: RandomSource {
    private let state: Mutex<UInt64>

    public init(seed: UInt64) {
        self.state = Mutex(seed)
    }

    public func nextUInt64() -> UInt64 {
        var z = state.withLock { state in
            state &+= 0x9E37_79B9_7F4A_7C15
            return state
        }
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func nextUnit() -> Double {
        Double(nextUInt64() >> 11) / Double(UInt64(1) << 53)
    }
}
