import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// A sink path keeps the symlink it names: resolving it while loading would hide a link
/// another user planted from the ownership check that runs before the write.
@Suite struct SinkPathSpellingTests {
    @Test func aRelativeSinkPathWithDotDotKeepsTheSymlinkAtItsEnd() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("victim.key", "old")
        try FileManager.default.createDirectory(atPath: dir.file("shared"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("shared/app.key"), withDestinationPath: dir.file("victim.key"))
        try dir.write(
            "jobs/a.yaml",
            """
            name: a
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: file, path: ../shared/./app.key}]
            """)
        let loaded = JobLoader.load(paths: [dir.file("jobs")])
        #expect(loaded.jobs.first?.sinks.first?.path == dir.file("shared/app.key"), "\(loaded.diagnostics)")
    }
}
