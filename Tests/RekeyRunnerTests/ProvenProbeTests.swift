// The probe before a regenerate runs only until it is proven (DESIGN "Rotation protocol",
// step 1): once a probe with this configuration answered and the current key is the one
// rekey delivered, the next rotation goes straight to the regenerate. A 401 then is
// settled like any ambiguous answer, never taken as "nothing changed".

import Foundation
import RekeyAudit
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

@Suite struct ProvenProbeTests {
    static func forced(_ options: inout RunOptions) { options.force = true }

    @Test func aDeliveredKeyIsRotatedWithoutProbingItAgain() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        _ = try await fixture.run(configure: Self.forced)
        #expect(fixture.vendor.probeCount == 2)  // the current key, then the new one (verify)
        let intent = try await fixture.audit.events(AuditEventFilter(jobs: ["acme-prod"], steps: [.intent]))
        #expect(intent.first?.probeConfig != nil)

        let second = try await fixture.run(configure: Self.forced)
        #expect(second.count(.rotated) == 1)
        #expect(fixture.vendor.probeCount == 3)  // only the verify of the second key
        #expect(fixture.vendor.regenerateCount == 2)
        #expect(fixture.envKey == fixture.vendor.validKey)
    }

    @Test func withoutVerifyASteadyStateRotationIsOneVendorRequest() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        var job = fixture.job
        job.policy.verify = false
        _ = try await fixture.run([job], configure: Self.forced)
        #expect(fixture.vendor.probeCount == 1)
        _ = try await fixture.run([job], configure: Self.forced)
        _ = try await fixture.run([job], configure: Self.forced)
        #expect(fixture.vendor.probeCount == 1)
        #expect(fixture.vendor.regenerateCount == 3)
        #expect(fixture.fileKey == fixture.vendor.validKey)
    }

    @Test func aKeyRekeyDidNotDeliverIsProbedFirst() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        _ = try await fixture.run(configure: Self.forced)
        // An operator put another key in place: the proof is about the delivered one only.
        try fixture.dir.write("app.env", "API_KEY='someone-elses-key-0003'\n")
        let second = try await fixture.run(configure: Self.forced)
        #expect(second.outcomes.map(\.kind) == [.failed])
        #expect(second.outcomes.first?.message?.contains("rejected by the vendor (401)") == true)
        #expect(fixture.vendor.probeCount == 3)
        #expect(fixture.vendor.regenerateCount == 1)
    }

    @Test func a401OnARegenerateWhoseProbeWasSkippedIsSettledByAProbe() async throws {
        let fixture = try RunnerFixture()
        defer { fixture.dir.remove() }
        _ = try await fixture.run(configure: Self.forced)
        let delivered = fixture.envKey
        fixture.vendor.revokeOutOfBand()
        let second = try await fixture.run(configure: Self.forced)
        // The probe that settles the 401 finds the old key dead: an operator must act, and
        // the sinks keep what they had.
        #expect(second.outcomes.map(\.kind) == [.needsRecovery])
        #expect(fixture.vendor.probeCount == 3)
        #expect(fixture.envKey == delivered)
        #expect(try await fixture.history.needsRecovery)
    }
}
