import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// A configuration mistake starts no failure backoff, an operator naming a job gets past
/// its backoff, and every run summary says which jobs are backing off and how to force one.
@Suite struct FailureBackoffTests {
    func run(_ f: RunnerFixture, names: [String] = []) async throws -> RunSummary {
        try await f.run { $0.filter = JobFilter(names: names) }
    }

    @Test func aPreflightFailureStartsNoBackoffSoTheFixIsPickedUpAtOnce() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        // A configuration mistake: a directory where the file sink should be.
        try FileManager.default.removeItem(atPath: f.dir.file("worker.key"))
        try FileManager.default.createDirectory(atPath: f.dir.file("worker.key"), withIntermediateDirectories: false)
        let broken = try await run(f)
        #expect(broken.outcomes.first?.kind == .failed)
        let history = try #require(try await f.audit.histories()[f.job.name])
        #expect(history.consecutiveFailures == 0)
        #expect(JobState.derive(history: history, decision: nil) == .failing)

        try FileManager.default.removeItem(atPath: f.dir.file("worker.key"))
        try f.dir.write("worker.key", "initial-key-0001")
        let fixed = try await run(f)
        #expect(fixed.outcomes.first?.kind == .rotated)
    }

    @Test func namingAJobGetsPastItsBackoffAndTheSummaryNamesTheBackingOffJob() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        f.vendor.inject([.status(400, errorID: "1000")])
        #expect(try await run(f).outcomes.first?.kind == .failed)

        let scheduled = try await run(f)
        #expect(scheduled.outcomes.isEmpty)
        #expect(scheduled.backingOff.map(\.job) == [f.job.name])
        #expect(scheduled.render().contains("to retry now: rekey run --job \(f.job.name)"))

        let named = try await run(f, names: [f.job.name])
        #expect(named.outcomes.first?.kind == .rotated)
    }

    @Test func aRotationThatSurvivedFaultsSaysWhichInItsOutcome() async throws {
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        f.vendor.inject([.status(503, errorID: nil)])
        let summary = try await run(f)
        let outcome = try #require(summary.outcomes.first)
        #expect(outcome.kind == .rotated)
        #expect(outcome.attempts == 2)
        #expect(outcome.message?.contains("survived") == true)
        #expect(outcome.message?.contains("503") == true)
    }
}
