import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// Two sinks that are one file through a symlink would overwrite each other's key.
@Suite struct SymlinkedSinkTargetTests {
    static func job(_ name: String, organization: String, sink: String) -> String {
        """
        name: \(name)
        tenant: acme
        env: prod
        provider: {kind: questionpro.api-key, datacenter: com, organization_id: "\(organization)"}
        credentials: {api_key: {sink: app}}
        policy: {every: 30d}
        sinks: [\(sink)]

        """
    }

    /// `real/` with `link` → `real`, and two jobs whose sinks are given.
    static func load(_ first: String, _ second: String, prepare: (TemporaryDirectory) throws -> Void = { _ in })
        throws -> [Diagnostic]
    {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: "real")
        try prepare(dir)
        try dir.write("jobs/a.yaml", job("a", organization: "1", sink: first))
        try dir.write("jobs/b.yaml", job("b", organization: "2", sink: second))
        return JobLoader.load(paths: [dir.file("jobs")]).diagnostics.filter { $0.severity == .error }
    }

    @Test func twoEnvFileSinksOfOneKeyThroughASymlinkedDirectoryConflict() throws {
        let errors = try Self.load(
            "{id: app, kind: env-file, path: ../real/app.env, key: API_KEY}",
            "{id: app, kind: env-file, path: ../link/app.env, key: API_KEY}")
        #expect(errors.count == 1)
        let message = try #require(errors.first?.message)
        #expect(message.contains("job 'b'") && message.contains("job 'a'"), "\(message)")
        #expect(message.contains("link/app.env") && message.contains("real/app.env"), "\(message)")
    }

    @Test func aSymlinkedSinkFileToAnotherJobsSinkConflicts() throws {
        let errors = try Self.load(
            "{id: app, kind: file, path: ../real/app.key}", "{id: app, kind: file, path: ../alias.key}"
        ) { dir in
            try dir.write("real/app.key", "old")
            try FileManager.default.createSymbolicLink(
                atPath: dir.file("alias.key"), withDestinationPath: "real/app.key")
        }
        #expect(errors.count == 1, "\(errors)")
    }

    @Test func aFileSinkAndAnEnvFileSinkOfOneFileConflict() throws {
        let errors = try Self.load(
            "{id: app, kind: file, path: ../real/app.env}",
            "{id: app, kind: env-file, path: ../link/app.env, key: API_KEY}")
        #expect(errors.count == 1, "\(errors)")
    }

    @Test func twoKeysOfOneEnvFileStayAllowed() throws {
        let errors = try Self.load(
            "{id: app, kind: env-file, path: ../real/app.env, key: FIRST_KEY}",
            "{id: app, kind: env-file, path: ../link/app.env, key: SECOND_KEY}")
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test func sinksInADirectoryThatDoesNotExistYetAreComparedByTheirExistingAncestor() throws {
        let errors = try Self.load(
            "{id: app, kind: file, path: ../real/new/app.key}", "{id: app, kind: file, path: ../link/new/app.key}")
        #expect(errors.count == 1, "\(errors)")
    }
}
