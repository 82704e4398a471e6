import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// A spool that cannot take the new secret: preflight stops the job before the vendor is
/// called, and if the spool fails after issuance anyway, the secret in memory still
/// reaches the sinks — it is never dropped.
@Suite struct SpoolFailureTests {
    @Test func aSpoolThatCannotTakeAFileStopsTheJobBeforeTheVendorIsCalled() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        environment.spool = FaultingSpool(
            inner: environment.spool, preflightProblem: "the spool cannot take a file: No space left")
        let summary = try await f.run(environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.message?.contains("No space left") == true)
        #expect(f.vendor.regenerateCount == 0)
    }

    @Test func aSpoolWriteThatFailsAfterIssuanceStillDeliversTheKeyAndSaysSo() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        environment.spool = FaultingSpool(inner: environment.spool)
        let summary = try await f.run(environment: environment) { $0.force = true }
        #expect(f.vendor.regenerateCount == 1)
        #expect(f.envKey == f.vendor.validKey)
        #expect(f.fileKey == f.vendor.validKey)
        #expect(summary.outcomes.first?.kind == .rotated)
        #expect(summary.outcomes.first?.message?.contains("WITHOUT its safety net") == true)
    }

    @Test func withoutTheSpoolASinkThatFailsMakesTheJobNeedRecoveryWithTheKeyInTheOtherSink() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        environment.spool = FaultingSpool(inner: environment.spool)
        environment.sinks = FaultingSinks(inner: environment.sinks) { sink in
            sink.id == "worker" ? .diskFull(path: sink.path, step: .write) : nil
        }
        let summary = try await f.run(environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .needsRecovery)
        #expect(summary.outcomes.first?.message?.contains("rekey adopt --job acme-prod") == true)
        #expect(f.envKey == f.vendor.validKey)
        #expect(try await f.audit.histories()["acme-prod"]?.needsRecovery == true)
    }
}
