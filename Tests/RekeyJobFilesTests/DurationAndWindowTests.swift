import Foundation
import RekeyModel
import Testing

@Suite struct DurationAndWindowTests {
    @Test(arguments: [
        ("90s", 90), ("15m", 900), ("12h", 43_200), ("30d", 2_592_000), ("1w", 604_800), ("1h30m", 5_400),
    ])
    func durationsParse(_ text: String, _ seconds: Int64) {
        #expect(RekeyDuration.parse(text)?.seconds == seconds)
        #expect(RekeyDuration.parse(RekeyDuration(seconds: seconds).description)?.seconds == seconds)
    }

    @Test(arguments: ["", "30", "30m1h", "1h1h", "1x", "-5m", "h", "99999999999999999999d", "1.5h", " "])
    func nonsenseIsNotADuration(_ text: String) {
        #expect(RekeyDuration.parse(text) == nil)
    }

    @Test func millisecondsAreAllowedWhereSubSecondMatters() {
        #expect(RekeyDuration.parseMilliseconds("250ms") == 250)
        #expect(RekeyDuration.parseMilliseconds("1s500ms") == 1500)
        #expect(RekeyDuration.parse("250ms")?.seconds == 1)
    }

    static func at(_ hour: Int, _ minute: Int) -> Date {
        Date(
            timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400)
                + Double(hour * 3600 + minute * 60))
    }

    @Test func aWindowThatWrapsMidnightContainsBothSides() throws {
        let window = try #require(TimeWindow.parse("22:00-04:00"))
        #expect(window.contains(Self.at(23, 30)))
        #expect(window.contains(Self.at(0, 0)))
        #expect(window.contains(Self.at(3, 59)))
        #expect(!window.contains(Self.at(4, 0)))
        #expect(!window.contains(Self.at(12, 0)))
        #expect(window.nextOpening(atOrAfter: Self.at(12, 0)) == Self.at(22, 0))
        #expect(window.nextOpening(atOrAfter: Self.at(23, 0)) == Self.at(23, 0))
    }

    @Test func aDaytimeWindowOpensTheNextDayOnceItHasClosed() throws {
        let window = try #require(TimeWindow.parse("01:00-05:00"))
        #expect(window.nextOpening(atOrAfter: Self.at(6, 0)) == Self.at(1, 0) + 86_400)
        #expect(TimeWindow.parse("25:00-01:00") == nil)
        #expect(TimeWindow.parse("01:00-01:00") == nil)
        #expect(TimeWindow.parse("1:00-2:00") == nil)
    }
}
