import Foundation
import RekeyModel
import Testing

/// The one JSON convention's pieces: times, durations and the encoder every output uses.
@Suite struct JSONOutputTests {
    @Test func timesAreRFC3339UTCWithMilliseconds() {
        #expect(JSONOutput.time(Date(timeIntervalSince1970: 1_795_003_200)) == "2026-11-18T12:00:00.000Z")
        #expect(JSONOutput.time(Date(timeIntervalSince1970: 1_795_003_200.1234)) == "2026-11-18T12:00:00.123Z")
        // Rounded to the millisecond, carrying into the next second.
        #expect(JSONOutput.time(Date(timeIntervalSince1970: 1_795_003_200.9996)) == "2026-11-18T12:00:01.000Z")
        #expect(JSONOutput.time(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
        let date = Date(timeIntervalSince1970: 1_795_003_200.042)
        #expect(Timestamps.parse(JSONOutput.time(date)).map { abs($0.timeIntervalSince(date)) < 0.0005 } == true)
    }

    @Test func durationsKeepMilliseconds() {
        #expect(JSONOutput.seconds(0.5693234205245972) == 0.569)
        #expect(JSONOutput.seconds(2) == 2)
        #expect(JSONOutput.seconds(1.0006) == 1.001)
    }

    @Test func theEncoderWritesSnakeCaseSortedUnescapedAndRFC3339() throws {
        struct Sample: Encodable {
            var runID = "r1"
            var prevHash = "ab"
            var finishedAt = Date(timeIntervalSince1970: 1_795_003_200.5)
            var url = "https://example.com/a/b"
            var seconds = JSONOutput.seconds(0.5693234205245972)
        }
        let line = try JSONOutput.encode(Sample(), lines: true)
        #expect(
            line
                == #"{"finished_at":"2026-11-18T12:00:00.500Z","prev_hash":"ab","run_id":"r1","seconds":0.569,"url":"https://example.com/a/b"}"#
        )
        let document = try JSONOutput.encode(Sample())
        #expect(document.contains("\n"))
        #expect(!document.contains("\\/"))
    }
}
