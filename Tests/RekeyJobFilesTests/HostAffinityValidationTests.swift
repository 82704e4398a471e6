import Foundation
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

/// `host:` and `hosts: [..]` (fleet affinity): what a job file may say, and what a job
/// delivered host by host with a regenerate vendor warns about.
@Suite struct HostAffinityValidationTests {
    static func job(
        _ affinity: String, provider: String = "{kind: questionpro.api-key, datacenter: com, organization_id: \"1\"}"
    ) -> String {
        """
        name: acme-prod
        tenant: acme
        env: prod
        provider: \(provider)
        credentials: {api_key: {sink: key}}
        policy: {every: 30d}
        sinks: [{id: key, kind: file, path: /srv/app/key}]
        \(affinity)

        """
    }

    static func load(_ text: String) throws -> JobLoadResult {
        let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": text])
        dir.remove()
        return result
    }

    @Test func hostsLoadsInOrderAndWarnsThatARegenerateKillsTheOtherHostsKey() throws {
        let result = try Self.load(Self.job("hosts: [web-1, web-2, web-3]"))
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(result.jobs.first?.hosts == ["web-1", "web-2", "web-3"])
        #expect(result.jobs.first?.host == nil)
        let warning = try #require(result.diagnostics.first { $0.severity == .warning })
        #expect(warning.message.contains("kills the old key"), "\(warning)")
        #expect(warning.hint?.contains("two-key") == true)
    }

    @Test func hostsWithALoginVendorDoesNotWarn() throws {
        let login =
            "{kind: qrvey.admin-token, base_url: \"https://qrvey.example\", username: ops@example.com, path: /admin/api/v5/login, fields: {token: jwt}}"
        let text = Self.job("hosts: [web-1, web-2]", provider: login)
            .replacingOccurrences(
                of: "credentials: {api_key: {sink: key}}", with: "credentials: {access_key: {env: QRVEY_ACCESS_KEY}}")
        let result = try Self.load(text)
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(!result.diagnostics.contains { $0.message.contains("kills the old key") }, "\(result.diagnostics)")
    }

    @Test(arguments: [
        ("host: web-1\nhosts: [web-1, web-2]", "not both"),
        ("hosts: [web-1]", "write host: web-1 instead"),
        ("hosts: [web-1, web-1]", "names web-1 twice"),
        ("hosts: [web-1, 'bad host']", "host identity"),
        ("hosts: web-1", "must be a list"),
    ])
    func aBadHostsIsAnErrorThatSaysWhatToWrite(affinity: String, expected: String) throws {
        let result = try Self.load(Self.job(affinity))
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(
            errors.contains { ($0.message + " " + ($0.hint ?? "")).contains(expected) },
            "\(affinity): \(result.diagnostics)")
        #expect(result.jobs.isEmpty)
    }
}
