// One QuestionPro-shaped job in a temporary directory (an env-file and a file sink holding
// the vendor's current key), a fake vendor, an in-memory audit log and a manual clock:
// the set-up most runner tests start from, and one `run` that drives a `RotationRun`.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySchedule

public struct RunnerFixture: Sendable {
    public static let initialKey = "initial-key-0001"

    public let dir: TemporaryDirectory
    public let vendor = FakeVendor(initialKey: RunnerFixture.initialKey)
    public let audit = InMemoryAuditLog()
    public let clock = ManualClock()

    public init() throws {
        dir = try TemporaryDirectory()
        try dir.write("app.env", "API_KEY='\(Self.initialKey)'\n")
        try dir.write("worker.key", Self.initialKey)
    }

    public var job: Job { TestRunEnvironment.questionProJob(directory: dir.path) }

    /// The test environment over this fixture's directory, vendor, audit log and clock.
    public func environment(processEnvironment: [String: String] = [:]) throws -> RunEnvironment {
        try TestRunEnvironment.make(
            directory: dir.path, audit: audit, vendor: vendor, clock: clock, environment: processEnvironment)
    }

    /// One run over `jobs` (default: the fixture's job) in `environment` (default: a new one).
    public func run(
        _ jobs: [Job]? = nil, environment: RunEnvironment? = nil, configure: (inout RunOptions) -> Void = { _ in },
        stopRequested: @escaping @Sendable () -> ExitStatus? = { nil }
    ) async throws -> RunSummary {
        var options = RunOptions()
        configure(&options)
        return await RotationRun(
            environment: try environment ?? self.environment(), run: TestRunEnvironment.run, options: options,
            stopRequested: stopRequested
        ).execute(jobs: jobs ?? [job])
    }

    public var envKey: String? { try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed }
    public var fileKey: String? { try? FileSink.read(path: dir.file("worker.key")).revealed }

    /// The fixture job's history as the log has it now.
    public var history: JobHistory {
        get async throws { try await audit.histories()[job.name] ?? JobHistory() }
    }
}
