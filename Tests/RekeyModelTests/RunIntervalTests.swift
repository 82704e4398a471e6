import Foundation
import RekeyModel
import Testing

/// The interval rekey is assumed to run at: `run_interval` (default 24h), or the median gap
/// between the starts of the last 10 runs when that is longer.
@Suite struct RunIntervalTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static func starts(gapsInHours gaps: [Double]) -> [Date] {
        var times = [start]
        for gap in gaps { times.append(times.last! + gap * hour) }
        return times
    }

    @Test func fewerThanTwoRunsObserveNothing() {
        #expect(RunInterval.medianGap(runStarts: []) == nil)
        #expect(RunInterval.medianGap(runStarts: [Self.start]) == nil)
    }

    @Test func theMedianIgnoresOneLongGap() {
        #expect(RunInterval.medianGap(runStarts: Self.starts(gapsInHours: [1, 1, 10, 1, 1])) == .hours(1))
        #expect(RunInterval.medianGap(runStarts: Self.starts(gapsInHours: [1, 3])) == .hours(2))
    }

    @Test func onlyTheLastTenRunsCountInAnyOrder() {
        // Five daily runs, then ten hourly ones (nine gaps of 1h among the last ten starts).
        let starts = Self.starts(gapsInHours: [24, 24, 24, 24, 24, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(RunInterval.medianGap(runStarts: starts.shuffled()) == .hours(1))
        #expect(RunInterval.medianGap(runStarts: Array(starts.prefix(6))) == .hours(24))
    }

    @Test func theEffectiveIntervalIsTheLongerOfConfiguredAndObserved() {
        #expect(RunInterval().effective == .hours(24))
        #expect(RunInterval(configured: .minutes(30)).effective == .minutes(30))
        #expect(RunInterval(configured: .minutes(30), observed: .hours(2)).effective == .hours(2))
        #expect(RunInterval(configured: .hours(24), observed: .hours(1)).effective == .hours(24))
        #expect(RunInterval(configured: .minutes(30), observed: .hours(2)).description.contains("median gap"))
        #expect(RunInterval().description == "1d (run_interval)")
    }
}
