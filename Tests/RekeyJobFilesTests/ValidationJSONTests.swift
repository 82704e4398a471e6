import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// `rekey validate --format json` follows the one JSON convention (`JSONOutput`).
@Suite struct ValidationJSONTests {
    @Test func validateJSONFollowsTheConventionAndKeepsPathsReadable() throws {
        let broken = JobFileDiagnosticsTests.valid.replacingOccurrences(of: "every: 30d", with: "evry: 30d")
        let (result, dir) = try JobFileDiagnosticsTests.load([
            "a.yaml": JobFileDiagnosticsTests.valid, "b.yaml": broken,
        ])
        defer { dir.remove() }
        let text = try ValidationSummary(result).json()
        #expect(JSONConventionCheck.problems(in: text) == [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        #expect(object["files"] as? Int == 2)
        #expect(object["errors"] as? Int ?? 0 >= 1)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        let location = try #require(diagnostics.first?["location"] as? [String: Any])
        // A path is printed as it is, with plain slashes.
        #expect((location["file"] as? String)?.hasPrefix(dir.path + "/") == true)
        #expect(text.contains(dir.path + "/b.yaml"))
    }
}
