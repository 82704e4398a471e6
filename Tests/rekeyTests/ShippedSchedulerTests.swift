import Foundation
import Testing

extension EndToEnd {
    /// The shipped systemd unit and Kubernetes CronJob give rekey at least 30 s beyond its
    /// --grace before they kill it, so a stop never cuts off a regenerate in flight.
    @Suite struct ShippedSchedulerTests {
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()

        static func text(_ path: String) throws -> String {
            try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
        }

        /// Seconds of the first `(\\d+)s` after `marker` in `text`.
        static func seconds(after marker: String, in text: String) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            let digits = text[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
            return Int(digits)
        }

        @Test func theSystemdUnitStopsNoEarlierThanGracePlusThirtySeconds() throws {
            let unit = try Self.text("cron/rekey.service")
            let grace = try #require(Self.seconds(after: "--grace", in: unit))
            let stop = try #require(Self.seconds(after: "TimeoutStopSec=", in: unit))
            #expect(stop >= grace + 30)
            #expect(grace >= 30 + 15, "the grace must cover the default 30s attempt timeout + 15s")
        }

        @Test func theCronJobGivesTerminationGraceOfAtLeastGracePlusThirtySeconds() throws {
            let job = try Self.text("cron/cronjob.yaml")
            let grace = try #require(Self.seconds(after: "- --grace", in: job))
            let termination = try #require(Self.seconds(after: "terminationGracePeriodSeconds:", in: job))
            #expect(termination >= grace + 30)
        }

        /// rekey's windows are UTC; a scheduler firing in the host's local time could miss them.
        @Test func theSchedulersFireInUTCOrHourly() throws {
            let timer = try Self.text("cron/rekey.timer")
            #expect(timer.split(separator: "\n").contains { $0.hasPrefix("OnCalendar=") && $0.hasSuffix(" UTC") })
            #expect(try Self.text("cron/cronjob.yaml").contains("timeZone: Etc/UTC"))
            let line = try #require(
                try Self.text("cron/crontab").split(separator: "\n").first { $0.contains("rekey run") })
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(fields[1] == "*", "the crontab must tick hourly: Debian's cron has no CRON_TZ")
        }
    }
}
