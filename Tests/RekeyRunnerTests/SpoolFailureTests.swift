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
    struct Fixture {
        let dir: TemporaryDirectory
        let vendor = FakeVendor(initialKey: "initial-key-0001")
        let audit = InMemoryAuditLog()

        init() throws {
            dir = try TemporaryDirectory()
            try dir.write("app.env", "API_KEY='initial-key-0001'\n")
            try dir.write("worker.key", "initial-key-0001")
        }

        var job: Job { TestRunEnvironment.questionProJob(directory: dir.path) }

        func run(_ change: (inout RunEnvironment) -> Void) async throws -> RunSummary {
            var environment = try TestRunEnvironment.make(directory: dir.path, audit: audit, vendor: vendor)
            change(&environment)
            var options = RunOptions()
            options.force = true
            return await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
                .execute(jobs: [job])
        }

        var envKey: String? { try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed }
        var fileKey: String? { try? FileSink.read(path: dir.file("worker.key")).revealed }
    }

    @Test func aSpoolThatCannotTakeAFileStopsTheJobBeforeTheVendorIsCalled() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let summary = try await f.run {
            $0.spool = FaultingSpool(inner: $0.spool, preflightProblem: "the spool cannot take a file: No space left")
        }
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.message?.contains("No space left") == true)
        #expect(f.vendor.regenerateCount == 0)
    }

    @Test func aSpoolWriteThatFailsAfterIssuanceStillDeliversTheKeyAndSaysSo() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let summary = try await f.run { $0.spool = FaultingSpool(inner: $0.spool) }
        #expect(f.vendor.regenerateCount == 1)
        #expect(f.envKey == f.vendor.validKey)
        #expect(f.fileKey == f.vendor.validKey)
        #expect(summary.outcomes.first?.kind == .rotated)
        #expect(summary.outcomes.first?.message?.contains("WITHOUT its safety net") == true)
    }

    @Test func withoutTheSpoolASinkThatFailsMakesTheJobNeedRecoveryWithTheKeyInTheOtherSink() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let summary = try await f.run {
            $0.spool = FaultingSpool(inner: $0.spool)
            $0.sinks = FaultingSinks(inner: $0.sinks) { sink in
                sink.id == "worker" ? .diskFull(path: sink.path, step: .write) : nil
            }
        }
        #expect(summary.outcomes.first?.kind == .needsRecovery)
        #expect(summary.outcomes.first?.message?.contains("rekey adopt --job acme-prod") == true)
        #expect(f.envKey == f.vendor.validKey)
        #expect(try await f.audit.histories()["acme-prod"]?.needsRecovery == true)
    }
}
