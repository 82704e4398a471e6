import Foundation
import RekeyTestSupport
import RekeyVendor
import Synchronization
import Testing

@Suite struct HostRateLimiterTests {
    @Test func aConfiguredLimitIsHeldUnderConcurrentLoad() async {
        let clock = ManualClock()
        let limiter = HostRateLimiter(perMinute: ["api.questionpro.com": 10], clock: clock)
        let slots = await withTaskGroup(of: Date?.self) { group in
            for _ in 0..<50 { group.addTask { await limiter.acquire(host: "api.questionpro.com") } }
            var all: [Date] = []
            for await slot in group { if let slot { all.append(slot) } }
            return all.sorted()
        }
        #expect(slots.count == 50)
        // No 60-second window holds more than 10 requests.
        for (index, start) in slots.enumerated() {
            let inWindow = slots[index...].prefix { $0.timeIntervalSince(start) < 60 }.count
            #expect(inWindow <= 10)
        }
        // And the limiter does not starve: 50 requests take about 5 minutes, not more.
        #expect(slots.last!.timeIntervalSince(slots.first!) <= 49 * 6 + 0.001)
    }

    @Test func hostsWithoutALimitAreNotDelayed() async {
        let clock = ManualClock()
        let limiter = HostRateLimiter(perMinute: ["a.example": 1], clock: clock)
        #expect(await limiter.acquire(host: "b.example") == nil)
        await limiter.acquire(host: "a.example")
        await limiter.acquire(host: "a.example")
        #expect(clock.sleeps.count == 1)
    }
}
