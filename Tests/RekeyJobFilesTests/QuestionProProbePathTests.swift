import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// A "probe" of the regenerate path would rotate the key and throw the new one away.
@Suite struct QuestionProProbePathTests {
    static func errors(probePath: String) throws -> [Diagnostic] {
        try JobFileDiagnosticsTests.errors(
            JobFileDiagnosticsTests.valid.replacingOccurrences(
                of: "organization_id: \"1\"}", with: "organization_id: \"1\", probe_path: \"\(probePath)\"}"))
    }

    @Test(arguments: [
        "/a/api/v2/apikey/regenerate", "/A/API/v2/ApiKey/Regenerate/", "/a/api/v2/apikey/regenerate?page=1",
        "/a/api/v2/apikey/regenerate//?x",
    ])
    func aProbePathThatRegeneratesIsRefused(_ path: String) throws {
        let errors = try Self.errors(probePath: path)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("regenerate") == true, "\(errors)")
        #expect(errors.first?.location.line == 4)
    }

    @Test func anotherProbePathIsAccepted() throws {
        #expect(try Self.errors(probePath: "/a/api/v2/organizations/{organization_id}/surveys?page=1").isEmpty)
    }
}
