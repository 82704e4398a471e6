import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// One broken block does not hide the problems of the next.
@Suite struct EveryProblemIsReportedTests {
    @Test func anInlineSecretIsReportedBesideAMissingOrganizationID() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(of: ", organization_id: \"1\"", with: "")
            .replacingOccurrences(of: "{api_key: {sink: app}}", with: "{api_key: \"sk_live_NEVER_SHOWN\"}")
        let errors = try JobFileDiagnosticsTests.errors(text)
        #expect(errors.contains { $0.message.contains("needs 'organization_id'") }, "\(errors)")
        #expect(errors.contains { $0.message.contains("inline secret") }, "\(errors)")
        #expect(!errors.map(\.description).joined().contains("sk_live_NEVER_SHOWN"))
    }

    @Test func credentialsAreCheckedWhenTheProviderKindIsUnknown() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(
            of: "kind: questionpro.api-key", with: "kind: questionpro.apikey"
        )
        .replacingOccurrences(of: "{api_key: {sink: app}}", with: "{api_key: \"sk_live_NEVER_SHOWN\"}")
        let errors = try JobFileDiagnosticsTests.errors(text)
        #expect(errors.contains { $0.message.contains("unknown provider kind") }, "\(errors)")
        #expect(errors.contains { $0.message.contains("inline secret") }, "\(errors)")
    }

    @Test func aRegeneratedCredentialInTheEnvironmentIsReportedBesideABrokenProvider() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(of: ", organization_id: \"1\"", with: "")
            .replacingOccurrences(of: "{api_key: {sink: app}}", with: "{api_key: {env: QP_KEY}}")
        let errors = try JobFileDiagnosticsTests.errors(text)
        #expect(errors.count == 2, "\(errors)")
    }
}
