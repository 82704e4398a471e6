// How often rekey runs: `run_interval` from rekey.yaml (default 24h), or the median gap
// between the last runs the audit log recorded when that is longer. A credential that
// lives less than this expires before the next run can renew it.

import Foundation

public struct RunInterval: Sendable, Hashable, CustomStringConvertible {
    /// `run_interval` when rekey.yaml does not set it: the shipped timer runs daily.
    public static let defaultConfigured = RekeyDuration.hours(24)
    /// How many of the latest runs the observed interval is taken from.
    public static let runsConsidered = 10

    /// `run_interval` from rekey.yaml, or the default.
    public var configured: RekeyDuration
    /// The median gap between the starts of the last runs, when the log holds two or more.
    public var observed: RekeyDuration?

    public init(configured: RekeyDuration? = nil, observed: RekeyDuration? = nil) {
        self.configured = configured ?? Self.defaultConfigured
        self.observed = observed
    }

    /// The interval rekey should be assumed to run at: the longer of the configured and the
    /// observed one (a scheduler that fires less often than declared is what counts).
    public var effective: RekeyDuration { max(configured, observed ?? configured) }

    /// `24h (run_interval)`, or `36h (the median gap between the last 10 runs)`.
    public var description: String {
        if let observed, observed > configured {
            return "\(observed) (the median gap between the last \(Self.runsConsidered) runs)"
        }
        return "\(configured) (run_interval)"
    }

    /// The median gap between consecutive starts among the latest `runsConsidered` of
    /// `runStarts` (any order); nil with fewer than two. An even number of gaps takes the
    /// mean of the middle two, rounded down to whole seconds.
    public static func medianGap(runStarts: [Date]) -> RekeyDuration? {
        let latest = runStarts.sorted().suffix(runsConsidered)
        guard latest.count >= 2 else { return nil }
        let gaps = zip(latest.dropFirst(), latest).map { $0.timeIntervalSince($1) }.sorted()
        let middle = gaps.count / 2
        let median = gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
        return RekeyDuration(seconds: Int64(median.rounded(.down)))
    }
}
