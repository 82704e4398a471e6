import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// What editors produce: a byte-order mark, and the occasional duplicated key.
@Suite struct YAMLSurfaceTests {
    @Test func aLeadingByteOrderMarkIsAccepted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = Data([0xEF, 0xBB, 0xBF]) + Data(JobFileDiagnosticsTests.valid.utf8)
        _ = FileManager.default.createFile(atPath: dir.file("job.yaml"), contents: data)
        let result = JobLoader.load(paths: [dir.path])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.jobs.first?.name == "acme-prod")
    }

    @Test func aDuplicateKeyIsNamedAtTheSecondPlaceWithTheFirstLineInTheMessage() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(
            of: "env: prod\n", with: "env: prod\ntenant: globex\n")
        let errors = try JobFileDiagnosticsTests.errors(text)
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.message.contains("duplicate key 'tenant'"), "\(error)")
        #expect(error.message.contains("line 2"), "\(error)")
        #expect("\(error.location.line):\(error.location.column)" == "4:1")
    }

    @Test func aDuplicateKeyInANestedBlockMappingIsFoundAtItsIndentation() throws {
        let text = """
            name: acme-prod
            tenant: acme
            env: prod
            provider:
              kind: questionpro.api-key
              datacenter: com
              organization_id: "1"
              datacenter: eu
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: env-file, path: /srv/app.env, key: API_KEY}]
            """
        let error = try #require(try JobFileDiagnosticsTests.errors(text).first)
        #expect(error.message.contains("duplicate key 'datacenter'") && error.message.contains("line 6"), "\(error)")
        #expect("\(error.location.line):\(error.location.column)" == "8:3")
    }

    @Test func aDuplicateKeyInAFlowMappingIsFoundOnItsLine() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(
            of: "policy: {every: 30d}", with: "policy: {every: 30d, every: 7d}")
        let error = try #require(try JobFileDiagnosticsTests.errors(text).first)
        #expect(error.message.contains("duplicate key 'every'") && error.message.contains("line 6"), "\(error)")
        #expect("\(error.location.line):\(error.location.column)" == "6:22")
    }
}
