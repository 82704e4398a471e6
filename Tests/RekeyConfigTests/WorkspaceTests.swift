import Foundation
import RekeyConfig
import RekeyTestSupport
import Testing

/// Opening a workspace: rekey.yaml read beside the jobs, its settings applied, its
/// problems reported as diagnostics, and "no job files" an error rather than a green run.
@Suite struct WorkspaceTests {
    static func open(_ dir: TemporaryDirectory, _ options: SharedPathOptions = SharedPathOptions()) throws
        -> Workspace
    {
        try Workspace.open(
            options,
            resolver: PathResolver(
                environment: [:], currentDirectory: dir.path, isRoot: false, homeDirectory: dir.path))
    }

    @Test func rekeyYAMLBesideTheJobsSetsTheStateDirectoryDatabaseAndConcurrency() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/a.yaml", "")
        try dir.write("rekey.yaml", "state_dir: state\ndb: audit/log.sqlite\nconcurrency: 7\n")
        let workspace = try Self.open(dir)
        #expect(workspace.paths.config == dir.file("rekey.yaml"))
        #expect(workspace.paths.stateDirectory == dir.file("state"))
        #expect(workspace.paths.database == dir.file("audit/log.sqlite"))
        #expect(workspace.config.concurrency == 7)
        #expect(workspace.configDiagnostics.isEmpty)
    }

    @Test func aBrokenRekeyYAMLIsReportedAsDiagnosticsWithItsDefaultsKept() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/a.yaml", "")
        try dir.write("rekey.yaml", "concurency: 2\n")
        let workspace = try Self.open(dir)
        #expect(workspace.config.concurrency == nil)
        #expect(workspace.configDiagnostics.contains { $0.message.contains("concurency") })
    }

    @Test func aJobsDirectoryWithoutJobFilesIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("jobs"), withIntermediateDirectories: true)
        let workspace = try Self.open(dir)
        #expect(throws: PathError.noJobFiles(dir.file("jobs"))) { try workspace.loadJobs() }
    }
}
