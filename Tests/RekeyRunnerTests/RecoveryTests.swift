import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// Recovery decides from the audit chain, not from clocks, and one bad spool entry never
/// keeps the others from being delivered.
@Suite struct RecoveryTests {
    /// The state a crash between the spool write and the `issued` row leaves, after the
    /// clock was stepped back: the spooled key is the newest, though its time is older
    /// than the last recorded key's.
    @Test func aSpooledKeyOlderByTheClockButNewerByTheChainIsDeliveredNotDiscarded() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        #expect(try await f.run { $0.force = true }.count(.rotated) == 1)
        let recordedKey = f.vendor.validKey

        f.clock.advance(by: .seconds(-3600))
        let lost = try f.vendor.regenerate(current: recordedKey)
        let environment = try f.environment()
        try await environment.spool.write(
            SpooledSecret(
                job: f.job.name, secret: Secret(lost), fingerprint: environment.fingerprint(Secret(lost)),
                issuedAt: f.clock.now(), expiry: nil))

        let summary = try await f.run([f.job])
        #expect(summary.outcomes.first?.kind == .recovered)
        #expect(f.envKey == lost)
        #expect(f.vendor.validKey == lost)
    }

    @Test func aSpooledKeyFollowedInTheChainByANewerOneIsDiscarded() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let environment = try f.environment()
        let old = Secret("an-older-key")
        try await environment.spool.write(
            SpooledSecret(
                job: f.job.name, secret: old, fingerprint: environment.fingerprint(old), issuedAt: f.clock.now(),
                expiry: nil))
        var issued = AuditEvent.job(f.job, step: .issued, runID: "earlier", time: f.clock.now())
        issued.newFingerprint = environment.fingerprint(old)
        try await f.audit.append(issued)
        var adopted = AuditEvent.job(f.job, step: .adopted, runID: "later", time: f.clock.now() - 60)
        adopted.newFingerprint = environment.fingerprint(Secret("initial-key-0001"))
        try await f.audit.append(adopted)

        let summary = try await f.run([f.job])
        #expect(summary.outcomes.first?.message?.contains("stale") == true)
        #expect(f.envKey == "initial-key-0001")
        #expect(try await environment.spool.all().entries.isEmpty)
    }

    @Test func anUnreadableSpoolEntryIsNeedsRecoveryAndTheOtherJobsEntryIsStillDelivered() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let environment = try f.environment()
        try f.dir.write("b/app.env", "API_KEY='b-key'\n")
        try f.dir.write("b/worker.key", "b-key")
        let other = TestRunEnvironment.questionProJob(name: "acme-b", directory: f.dir.file("b"))
        try f.dir.write("state/spool/acme-b.json", "{ not json")
        let pending = Secret(try f.vendor.regenerate(current: "initial-key-0001"))
        try await environment.spool.write(
            SpooledSecret(
                job: f.job.name, secret: pending, fingerprint: environment.fingerprint(pending),
                issuedAt: f.clock.now(), expiry: nil))

        let summary = try await f.run([f.job, other])
        let kinds = Dictionary(uniqueKeysWithValues: summary.outcomes.map { ($0.job, $0.kind) })
        #expect(kinds[f.job.name] == .recovered)
        #expect(kinds["acme-b"] == .needsRecovery)
        #expect(summary.exitStatus == .needsRecovery)
        #expect(f.envKey == pending.revealed)
        #expect(try await f.audit.histories()["acme-b"]?.needsRecovery == true)
    }
}

/// `rekey recover` never says "nothing to recover" while a job needs an operator.
@Suite struct RecoverCommandSummaryTests {
    @Test func aNeedsRecoveryJobIsNamedWithTheWayOutAndExitsTwo() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var row = AuditEvent.job(f.job, step: .needsRecovery, runID: "earlier", time: f.clock.now())
        row.message = "answer lost"
        try await f.audit.append(row)
        let summary = await Recovery(environment: try f.environment(), run: TestRunEnvironment.run).summary(
            jobs: [f.job])
        #expect(summary.outcomes.isEmpty)
        #expect(summary.pendingRecovery == [f.job.name])
        #expect(summary.exitStatus == .needsRecovery)
    }
}
