import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// "No answer" is not "dead": a regenerate whose answer was ambiguous and whose old key no
/// probe could check leaves the job unsettled (exit 2) — each later run probes first and
/// starts no regenerate until a probe answers; after 3 runs without one it needs recovery.
@Suite struct UnsettledTests {
    @Test func anAmbiguousRegenerateWithAnUnreachableProbeIsUnsettledAndNotNeedsRecovery() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        // A 500 on the regenerate (the vendor did not rotate), then the vendor stops answering.
        f.vendor.inject([.status(500, errorID: nil)])
        let vendor = f.vendor
        // The stop hook is polled before the intent: after the preflight probe, the vendor goes dark.
        let summary = try await f.run(
            configure: { $0.force = true },
            stopRequested: {
                if vendor.probeCount == 1 { vendor.leaveProbesUnanswered(1_000_000) }
                return nil
            })
        #expect(
            summary.outcomes.first?.kind == .unsettled,
            "\(summary.outcomes) probes \(f.vendor.probeCount) sleeps \(f.clock.sleeps.count)")
        #expect(summary.exitStatus == .needsRecovery)
        let history = try await f.history
        #expect(history.unsettledRuns == 1)
        #expect(!history.needsRecovery)
        #expect(JobState.derive(history: history, decision: nil) == .unsettled)
        #expect(f.vendor.regenerateCount == 0)

        // The vendor answers again: the next run probes, the old key works, nothing rotated.
        f.vendor.leaveProbesUnanswered(0)
        let next = try await f.run { $0.force = true }
        #expect(try await f.history.unsettledRuns == 0)
        #expect(next.outcomes.first?.kind == .rotated)
        #expect(
            (try? EnvFileSink.readValue(path: f.dir.file("app.env"), key: "API_KEY").revealed) == f.vendor.validKey)
    }

    @Test func threeRunsWithoutAProbeAnswerMakeTheJobNeedRecovery() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        // A run died with the regenerate in flight: an intent without an outcome.
        var intent = AuditEvent.job(f.job, step: .intent, runID: "died", time: f.clock.now())
        intent.trigger = "cron"
        try await f.audit.append(intent)
        f.vendor.leaveProbesUnanswered(1_000_000)

        let first = try await f.run()
        #expect(first.outcomes.first?.kind == .unsettled)
        #expect(try await f.history.unsettledRuns == 1)
        let plan = Plan.build(jobs: [f.job], histories: try await f.audit.histories(), now: f.clock.now())
        #expect(plan.first?.state == .unsettled)
        #expect(plan.first?.due == false)

        let second = try await f.run { $0.force = true }
        #expect(second.outcomes.first?.kind == .unsettled)
        #expect(f.vendor.regenerateCount == 0, "no regenerate while unsettled, even forced")
        let third = try await f.run()
        #expect(third.outcomes.first?.kind == .needsRecovery)
        #expect(third.outcomes.first?.message?.contains("rekey adopt --job acme-prod") == true)
        #expect(try await f.history.needsRecovery)
    }
}
