import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyRunner

/// The rules `rekey run` applies before it rotates anything, as the executable relies on
/// them: invalid files, unknown `--job` names, defaults, the splay.
@Suite struct RunRequestTests {
    struct Fixture {
        let dir: TemporaryDirectory
        let workspace: Workspace

        init(jobs: [String: String], config: String? = nil) throws {
            dir = try TemporaryDirectory()
            for (name, text) in jobs { try dir.write("jobs/\(name)", text) }
            if let config { try dir.write("rekey.yaml", config) }
            workspace = try Workspace.open(
                SharedPathOptions(),
                resolver: PathResolver(
                    environment: [:], currentDirectory: dir.path, isRoot: false, homeDirectory: dir.path))
        }

        var loaded: JobLoadResult { get throws { try workspace.loadJobs() } }
    }

    static let valid = """
        name: acme-prod
        tenant: acme
        env: prod
        provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
        credentials: {api_key: {sink: app}}
        policy: {every: 30d}
        sinks: [{id: app, kind: file, path: app.key}]

        """
    static let invalid = "name: broken\ntenant: acme\n"

    @Test func invalidJobFilesStopTheRunUnlessSkipInvalidIsGiven() throws {
        let f = try Fixture(jobs: ["a.yaml": Self.valid, "b.yaml": Self.invalid])
        defer { f.dir.remove() }
        let loaded = try f.loaded
        #expect(throws: RunError.self) { try RunRequest().options(for: loaded, workspace: f.workspace) }
        do {
            _ = try RunRequest().options(for: loaded, workspace: f.workspace)
        } catch {
            #expect(error.exitStatus == .invalidJobFiles)
        }
        var skipping = RunRequest()
        skipping.skipInvalid = true
        #expect(try skipping.options(for: loaded, workspace: f.workspace).filter == JobFilter())
    }

    @Test func anUnknownJobNameIsAUsageErrorNamingIt() throws {
        let f = try Fixture(jobs: ["a.yaml": Self.valid])
        defer { f.dir.remove() }
        var request = RunRequest()
        request.filter = JobFilter(names: ["acme-prod", "acme-prd"])
        let loaded = try f.loaded
        do {
            _ = try request.options(for: loaded, workspace: f.workspace)
            Issue.record("an unknown job name passed")
        } catch {
            #expect(error.exitStatus == .usage)
            #expect(error.description.contains("acme-prd"))
            #expect(!error.description.contains("acme-prod,"))
        }
    }

    @Test func concurrencyComesFromTheFlagElseRekeyYAMLElseFour() throws {
        let plain = try Fixture(jobs: ["a.yaml": Self.valid])
        defer { plain.dir.remove() }
        #expect(try RunRequest().options(for: try plain.loaded, workspace: plain.workspace).concurrency == 4)
        let configured = try Fixture(jobs: ["a.yaml": Self.valid], config: "concurrency: 9\n")
        defer { configured.dir.remove() }
        #expect(try RunRequest().options(for: try configured.loaded, workspace: configured.workspace).concurrency == 9)
        var request = RunRequest()
        request.concurrency = 2
        #expect(try request.options(for: try configured.loaded, workspace: configured.workspace).concurrency == 2)
    }

    @Test func theSplayIsDrawnFromTheRandomSourceAndSkippedAtATerminal() {
        var request = RunRequest()
        #expect(request.splayDelay(random: SeededRandomSource(seed: 1), stdinIsTerminal: false) == .zero)
        request.splay = .hours(1)
        let first = request.splayDelay(random: SeededRandomSource(seed: 1), stdinIsTerminal: false)
        #expect(first == request.splayDelay(random: SeededRandomSource(seed: 1), stdinIsTerminal: false))
        #expect(first > .zero && first < .seconds(3600))
        #expect(request.splayDelay(random: SeededRandomSource(seed: 1), stdinIsTerminal: true) == .zero)
    }

    @Test func aDryRunCreatesNoStateAndWritesNothing() async throws {
        let f = try Fixture(jobs: ["a.yaml": Self.valid])
        defer { f.dir.remove() }
        try f.dir.write("jobs/app.key", "current-key")
        var request = RunRequest()
        request.dryRun = true
        let summary = try await request.run(
            workspace: f.workspace, loaded: try f.loaded, stopRequested: { nil }, progress: { _ in }, log: { _ in },
            clock: ManualClock(), random: SeededRandomSource(seed: 1), stdinIsTerminal: true)
        #expect(summary.outcomes.map(\.kind) == [.planned])
        #expect(!FileManager.default.fileExists(atPath: f.workspace.paths.stateDirectory))
    }

    @Test func aGraceShorterThanTheLongestAttemptTimeoutPlusFifteenSecondsIsRefused() throws {
        let f = try Fixture(jobs: [
            "a.yaml": Self.valid.replacingOccurrences(of: "{every: 30d}", with: "{every: 30d, retry: {timeout: 20s}}")
        ])
        defer { f.dir.remove() }
        var request = RunRequest()
        request.grace = RekeyDuration(seconds: 30)
        let loaded = try f.loaded
        do {
            _ = try request.options(for: loaded, workspace: f.workspace)
            Issue.record("--grace 30s passed with a 20s attempt timeout")
        } catch {
            #expect(error.exitStatus == .usage)
            #expect(error.description.contains("at least 35s"))
        }
        request.grace = RekeyDuration(seconds: 35)
        #expect(throws: Never.self) { try request.options(for: loaded, workspace: f.workspace) }
    }

    @Test func aRunThatSkippedInvalidFilesExits65UnlessAJobFailedOrNeedsRecovery() {
        var summary = RunSummary(runID: "r", outcomes: [])
        summary.skippedInvalidFiles = true
        #expect(summary.exitStatus == .invalidJobFiles)
        summary.outcomes = [JobOutcome(job: "j", tenant: "t", env: "e", kind: .failed)]
        #expect(summary.exitStatus == .jobFailed)
        summary.outcomes = [JobOutcome(job: "j", tenant: "t", env: "e", kind: .unsettled)]
        #expect(summary.exitStatus == .needsRecovery)
        summary.outcomes = [JobOutcome(job: "j", tenant: "t", env: "e", kind: .locked)]
        summary.oneOff = true
        #expect(summary.exitStatus == .invalidJobFiles)
    }
}
