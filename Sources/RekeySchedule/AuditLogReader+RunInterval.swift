// How often rekey really runs, as the log saw it: the median gap between the starts of
// the last runs, set against `run_interval` from rekey.yaml. `plan` warns about
// credentials that live less than that.

import RekeyAudit
import RekeyModel

extension AuditLogReader {
    /// `configured` (`run_interval`, nil for the default) with the interval the last
    /// `RunInterval.runsConsidered` recorded runs observed.
    public func runInterval(configured: RekeyDuration?) async throws -> RunInterval {
        let starts = try await events(AuditEventFilter(steps: [.runStarted], limit: RunInterval.runsConsidered))
        return RunInterval(configured: configured, observed: RunInterval.medianGap(runStarts: starts.map(\.time)))
    }
}
