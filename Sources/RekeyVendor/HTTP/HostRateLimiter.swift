// `rate_limit` in rekey.yaml: at most N requests per minute to a vendor host, held
// across all concurrent jobs of a run. Requests are spaced (one every 60/N seconds), so
// no 60-second window ever holds more than N, whatever the concurrency.

import Foundation
import RekeyModel

public actor HostRateLimiter {
    private let perMinute: [String: Int]
    private var nextSlot: [String: Date] = [:]
    private let clock: any RekeyClock

    public init(perMinute: [String: Int], clock: any RekeyClock) {
        self.perMinute = perMinute.filter { $0.value > 0 }
        self.clock = clock
    }

    /// Reserves the next slot for `host`; returns when the caller should go (nil: no limit).
    func reserve(host: String) -> Date? {
        guard let limit = perMinute[host.lowercased()] else { return nil }
        let now = clock.now()
        let slot = max(now, nextSlot[host.lowercased()] ?? now)
        nextSlot[host.lowercased()] = slot + 60 / Double(limit)
        return slot
    }

    /// Waits for `host`'s next slot. Returns the slot time (for tests), or nil without a limit.
    @discardableResult
    public func acquire(host: String) async -> Date? {
        guard let slot = reserve(host: host) else { return nil }
        let wait = slot.timeIntervalSince(clock.now())
        if wait > 0 { try? await clock.sleep(for: .milliseconds(Int64(wait * 1000))) }
        return slot
    }
}

/// A transport that takes a rate-limit slot before each request.
public struct RateLimitedTransport: HTTPTransport {
    public let inner: any HTTPTransport
    public let limiter: HostRateLimiter

    public init(inner: any HTTPTransport, limiter: HostRateLimiter) {
        self.inner = inner
        self.limiter = limiter
    }

    public func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        if let host = request.url.host { await limiter.acquire(host: host) }
        return try await inner.send(request, timeout: timeout)
    }
}
