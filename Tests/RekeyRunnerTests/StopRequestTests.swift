import Foundation
import RekeyAudit
import RekeyModel
import RekeyRunner
import RekeyTestSupport
import Testing

/// After SIGTERM, SIGINT or SIGHUP no new intent and no new attempt of a regenerate starts:
/// a job whose preflight probe was running when the stop came writes nothing and calls
/// nothing, and a retry the vendor would have got is not sent.
@Suite struct StopRequestTests {
    @Test func aStopDuringThePreflightProbeStartsNoIntentAndNoRegenerate() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let vendor = f.vendor
        let summary = try await f.run(
            configure: { $0.force = true }, stopRequested: { vendor.probeCount > 0 ? .terminated : nil })
        #expect(summary.outcomes.map(\.kind) == [.notStarted])
        #expect(summary.exitStatus == .terminated)
        #expect(vendor.regenerateCount == 0)
        let steps = try await f.audit.events(AuditEventFilter()).map(\.step)
        #expect(!steps.contains(.intent))
        #expect(!steps.contains(.failed), "a job a stop kept from starting must not start a failure backoff")
    }

    @Test func aStopAfterAnAmbiguousAttemptSendsNoRetry() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let vendor = f.vendor
        vendor.inject([.status(503, errorID: nil)])
        // Probe 1 is the preflight probe, probe 2 settles the 503: the stop comes in between.
        let summary = try await f.run(
            configure: { $0.force = true }, stopRequested: { vendor.probeCount >= 2 ? .terminated : nil })
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.attempts == 1)
        #expect(vendor.regenerateCount == 0)
        #expect(vendor.validKey == "initial-key-0001")
    }
}
