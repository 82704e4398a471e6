import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyRunner
import RekeyTestSupport
import Synchronization
import Testing

@Suite struct RotationRunTests {
    struct Fixture {
        let dir: TemporaryDirectory
        let vendor = FakeVendor(initialKey: "initial-key-0001")
        let audit = InMemoryAuditLog()

        init() throws {
            dir = try TemporaryDirectory()
            try dir.write("app.env", "OTHER=1\nAPI_KEY='initial-key-0001'\n")
            try dir.write("worker.key", "initial-key-0001")
        }

        func job(_ name: String = "acme-prod", hooks: [HookSpec] = []) -> Job {
            TestRunEnvironment.questionProJob(name: name, directory: dir.path, hooks: hooks)
        }

        func environment() throws -> RunEnvironment {
            try TestRunEnvironment.make(directory: dir.path, audit: audit, vendor: vendor)
        }

        func run(
            _ jobs: [Job], environment: RunEnvironment? = nil, configure: (inout RunOptions) -> Void = { _ in }
        ) async throws -> RunSummary {
            var options = RunOptions()
            configure(&options)
            return await RotationRun(
                environment: try environment ?? self.environment(), run: TestRunEnvironment.run, options: options
            ).execute(jobs: jobs)
        }

        var envKey: String? { try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed }
        var fileKey: String? { try? FileSink.read(path: dir.file("worker.key")).revealed }
    }

    @Test func aDueJobIsRotatedIntoEverySinkAndThenIsNoLongerDue() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let first = try await f.run([f.job()])
        #expect(first.count(.rotated) == 1)
        #expect(first.exitStatus == .ok)
        #expect(f.envKey == f.vendor.validKey)
        #expect(f.fileKey == f.vendor.validKey)
        let second = try await f.run([f.job()])
        #expect(second.outcomes.isEmpty)
        #expect(f.vendor.regenerateCount == 1)
    }

    @Test func whenTheSecondSinkFailsTheNextRunCompletesItFromTheSpool() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        environment.sinks = FaultingSinks(inner: environment.sinks) { sink in
            sink.id == "worker" ? .diskFull(path: sink.path, step: .write) : nil
        }
        let first = try await f.run([f.job()], environment: environment)
        #expect(first.outcomes.first?.kind == .failed)
        #expect(first.outcomes.first?.message?.contains("spool") == true)
        #expect(f.envKey == f.vendor.validKey)
        #expect(f.fileKey == "initial-key-0001")

        let second = try await f.run([f.job()])
        #expect(second.outcomes.first?.kind == .recovered)
        #expect(f.fileKey == f.vendor.validKey)
        #expect(f.vendor.regenerateCount == 1)
        #expect(second.exitStatus == .ok)
    }

    @Test func aFailedHookLeavesTheJobHookFailedAndTheNextRunReRunsOnlyTheHooks() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let marker = f.dir.file("fail-hook")
        try f.dir.write("fail-hook", "")
        let hook = HookSpec(argv: ["/bin/sh", "-c", "test ! -e '\(marker)'"])
        let first = try await f.run([f.job(hooks: [hook])])
        #expect(first.outcomes.first?.kind == .hookFailed)
        #expect(first.exitStatus == .jobFailed)
        #expect(f.envKey == f.vendor.validKey)

        try FileManager.default.removeItem(atPath: marker)
        let second = try await f.run([f.job(hooks: [hook])])
        #expect(second.outcomes.first?.kind == .hooksRerun)
        #expect(f.vendor.regenerateCount == 1)
        #expect(try await f.audit.histories()["acme-prod"]?.hookFailed == false)
    }

    /// A regenerate killed the old key, so the app is down until its reload hook runs: the
    /// hook runs right after the sinks, verify after it, and the sink-written, hook, verified
    /// and done rows commit together; the successful attempt commits with `issued`.
    @Test func aRegenerateRunsTheReloadHookBeforeVerifyAndCommitsItsRowsWithDone() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let hook = HookSpec(argv: ["/bin/sh", "-c", "echo reloaded"])
        let summary = try await f.run([f.job(hooks: [hook])])
        #expect(summary.count(.rotated) == 1)
        let steps = try await f.audit.events(AuditEventFilter(jobs: ["acme-prod"])).map(\.step)
        #expect(steps == [.intent, .attempt, .issued, .sinkWritten, .sinkWritten, .hook, .verified, .done])
        #expect(f.vendor.probeCount == 2)  // the current key before the regenerate, the new one after the hook
    }

    @Test func maxRotationsCapsTheRunAndNamesWhatWasNotStarted() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try f.dir.write("b/app.env", "API_KEY='initial-key-0001'\n")
        let other = TestRunEnvironment.questionProJob(name: "acme-b", directory: f.dir.file("b"))
        var otherJob = other
        otherJob.sinks.removeLast()
        let summary = try await f.run([f.job(), otherJob]) {
            $0.maxRotations = 1
            $0.concurrency = 1
        }
        #expect(summary.count(.rotated) == 1)
        #expect(summary.count(.notStarted) == 1)
    }

    @Test func aJobWhoseLockIsHeldIsSkippedAndReportedAsLocked() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let environment = try f.environment()
        let lock = try #require(FileLock.tryAcquire(path: f.dir.file("state/locks/job-acme-prod.lock")))
        defer { lock.release() }
        let scheduled = try await f.run([f.job()], environment: environment)
        #expect(scheduled.outcomes.first?.kind == .locked)
        #expect(scheduled.exitStatus == .ok)
        let summary = try await f.run([f.job()], environment: environment) {
            $0.filter = JobFilter(names: ["acme-prod"])
        }
        #expect(summary.outcomes.first?.kind == .locked)
        #expect(summary.exitStatus == .lockHeld)
        #expect(f.vendor.regenerateCount == 0)
    }

    @Test func aDryRunCallsNoVendorAndWritesNothing() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let summary = try await f.run([f.job()]) { $0.dryRun = true }
        #expect(summary.outcomes.first?.kind == .planned)
        #expect(f.vendor.regenerateCount == 0)
        #expect(f.envKey == "initial-key-0001")
        #expect(try await f.audit.events(AuditEventFilter()).isEmpty)
    }

    @Test func needsRecoveryPersistsOnEveryRunUntilAdopted() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        f.vendor.inject([.answerLost])
        let first = try await f.run([f.job()])
        #expect(first.outcomes.first?.kind == .needsRecovery)
        #expect(first.outcomes.first?.message?.contains("rekey adopt --job acme-prod") == true)
        let second = try await f.run([f.job()], configure: { $0.force = true })
        #expect(second.exitStatus == .needsRecovery)
        #expect(second.pendingRecovery == ["acme-prod"])
        #expect(f.vendor.regenerateCount == 1)

        _ = try await Adoption(environment: try f.environment(), run: TestRunEnvironment.run).adopt(
            Secret(f.vendor.validKey), job: f.job())
        #expect(f.envKey == f.vendor.validKey)
        let third = try await f.run([f.job()])
        #expect(third.exitStatus == .ok)
    }

    @Test func aDeadCurrentKeyStopsTheJobBeforeAnyRegenerate() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try f.dir.write("app.env", "API_KEY='someone-else-rotated-it'\n")
        let summary = try await f.run([f.job()])
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.message?.contains("rekey adopt") == true)
        #expect(f.vendor.regenerateCount == 0)
    }

    @Test func adoptingARejectedSecretChangesNothing() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        await #expect(throws: AdoptionError.self) {
            _ = try await Adoption(environment: try f.environment(), run: TestRunEnvironment.run).adopt(
                Secret("not-the-key"), job: f.job())
        }
        #expect(f.envKey == "initial-key-0001")
    }

    @Test func aFailedJobWaitsForItsBackoffBeforeTheNextTry() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        f.vendor.inject([.status(400, errorID: "1000")])
        let clock = ManualClock()
        let environment = try TestRunEnvironment.make(
            directory: f.dir.path, audit: f.audit, vendor: f.vendor, clock: clock)
        let first = try await f.run([f.job()], environment: environment)
        #expect(first.outcomes.first?.kind == .failed)
        let soon = try await f.run([f.job()], environment: environment)
        #expect(soon.outcomes.isEmpty)
        clock.advance(by: .seconds(3601))
        let later = try await f.run([f.job()], environment: environment)
        #expect(later.outcomes.first?.kind == .rotated)
    }

    @Test func onFailureHooksRunWithTheStateAndErrorButNoSecret() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        f.vendor.inject([.status(403, errorID: "1013")])
        let out = f.dir.file("notified")
        var job = f.job()
        job.onFailure = [HookSpec(argv: ["/bin/sh", "-c", "env > '\(out)'"])]
        var environment = try f.environment()
        environment.globalOnFailure = [HookSpec(argv: ["/bin/sh", "-c", "echo global >> '\(out).global'"])]
        let summary = try await f.run([job], environment: environment)
        #expect(summary.outcomes.first?.kind == .failed)
        let seen = try String(contentsOfFile: out, encoding: .utf8)
        #expect(seen.contains("REKEY_STATE=failed"))
        #expect(seen.contains("REKEY_ERROR_MESSAGE="))
        // The vendor's error, not the state again.
        #expect(seen.contains("REKEY_ERROR_ID=1013"))
        #expect(!seen.contains("REKEY_ERROR_NAME=failed"))
        #expect(!seen.contains("initial-key-0001"))
        #expect(FileManager.default.fileExists(atPath: out + ".global"))
    }
}
