import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// Tenant and env end up in reports and CSV: no control characters, no formula prefixes.
@Suite struct TenantAndEnvNameTests {
    @Test(arguments: [
        ("tenant: acme", "tenant: \"acme\\nglobex,prod,ok\""), ("env: prod", "env: \"=cmd|' /C calc'!A0\""),
        ("env: prod", "env: \"prod\\r\""), ("tenant: acme", "tenant: \"@SUM(1)\""),
    ])
    func aTenantOrEnvOutsideLettersDigitsDotUnderscoreAndDashIsRefused(_ replace: String, _ with: String) throws {
        let errors = try JobFileDiagnosticsTests.errors(
            JobFileDiagnosticsTests.valid.replacingOccurrences(of: replace, with: with))
        #expect(errors.count == 1, "\(errors)")
        let error = try #require(errors.first)
        #expect(error.message.contains("may hold only letters, digits"))
        #expect(
            !error.description.contains("\n") && !error.description.contains("\r") && !error.description.contains("="))
    }

    @Test func plainTenantsAndEnvsAreAccepted() throws {
        let text = JobFileDiagnosticsTests.valid.replacingOccurrences(
            of: "tenant: acme", with: "tenant: acme-corp.eu_1"
        )
        .replacingOccurrences(of: "env: prod", with: "env: prod-2")
        #expect(try JobFileDiagnosticsTests.errors(text).isEmpty)
    }
}
