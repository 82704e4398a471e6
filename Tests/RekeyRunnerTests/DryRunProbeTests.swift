// `rekey run --dry-run --probe`: a first deployment proves every current key with the
// vendor's read-only probe — due or not — and changes nothing anywhere.

import Foundation
import RekeyAudit
import RekeyModel
import RekeyRunner
import RekeyTestSupport
import Testing

@Suite struct DryRunProbeTests {
    static func probing(_ options: inout RunOptions) {
        options.dryRun = true
        options.probe = true
    }

    @Test func everyJobIsProbedEvenWhenNotDueAndNothingIsWritten() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        _ = try await Baseline(environment: try fixture.environment(), run: TestRunEnvironment.run)
            .baseline([fixture.job])
        let eventsBefore = try await fixture.audit.events(AuditEventFilter()).count

        let summary = try await fixture.run(configure: Self.probing)

        #expect(summary.outcomes.map(\.kind) == [.checked])
        #expect(summary.outcomes.first?.message?.contains("the vendor accepts the current key") == true)
        #expect(summary.exitStatus == .ok)
        #expect(fixture.vendor.probeCount == 1)
        #expect(fixture.vendor.regenerateCount == 0)
        #expect(try await fixture.audit.events(AuditEventFilter()).count == eventsBefore)
        #expect(fixture.envKey == RunnerFixture.initialKey)
    }

    @Test func aDueJobWhoseKeyWorksIsPlanned() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        let summary = try await fixture.run(configure: Self.probing)
        #expect(summary.outcomes.map(\.kind) == [.planned])
        #expect(summary.outcomes.first?.message?.contains("would call") == true)
        #expect(fixture.vendor.probeCount == 1)
    }

    @Test func aKeyTheVendorRejectsFailsTheDryRunWithTheWayOut() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        try fixture.dir.write("app.env", "API_KEY='a-stale-key-0002'\n")
        let summary = try await fixture.run(configure: Self.probing)
        #expect(summary.outcomes.map(\.kind) == [.failed])
        let message = try #require(summary.outcomes.first?.message)
        #expect(message.contains("rejects the current key"))
        #expect(message.contains("rekey adopt --job acme-prod"))
        #expect(!message.contains("a-stale-key-0002"))
        #expect(summary.exitStatus == .jobFailed)
        #expect(fixture.vendor.regenerateCount == 0)
    }

    @Test func aProbeThatDoesNotAnswerFailsTheDryRun() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        fixture.vendor.leaveProbesUnanswered(1)
        let summary = try await fixture.run(configure: Self.probing)
        #expect(summary.outcomes.map(\.kind) == [.failed])
        #expect(summary.outcomes.first?.message?.contains("could not check the current key") == true)
    }

    @Test func withoutProbeADryRunAsksNoVendor() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        let summary = try await fixture.run { $0.dryRun = true }
        #expect(summary.outcomes.map(\.kind) == [.planned])
        #expect(fixture.vendor.probeCount == 0)
    }
}
