import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyTestSupport
import Testing

@Suite struct JobFileDiagnosticsTests {
    static let valid = """
        name: acme-prod
        tenant: acme
        env: prod
        provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
        credentials: {api_key: {sink: app}}
        policy: {every: 30d}
        sinks: [{id: app, kind: env-file, path: /srv/app.env, key: API_KEY}]

        """

    static func load(_ files: [String: String]) throws -> (JobLoadResult, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        for (name, text) in files { try dir.write(name, text) }
        return (JobLoader.load(paths: [dir.path]), dir)
    }

    static func errors(_ text: String) throws -> [Diagnostic] {
        let (result, dir) = try load(["job.yaml": text])
        dir.remove()
        return result.diagnostics.filter { $0.severity == .error }
    }

    @Test func aValidJobLoads() throws {
        let (result, dir) = try Self.load(["job.yaml": Self.valid])
        defer { dir.remove() }
        #expect(result.diagnostics.isEmpty)
        #expect(result.jobs.first?.name == "acme-prod")
    }

    @Test func threeMistakesGiveThreeDiagnosticsAtTheirPositionsAndNeverTheSecret() throws {
        let text = """
            name: acme-prod
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
            credentials:
              api_key: "sk_live_DO_NOT_PRINT"
            policy:
              evry: 30d
              every: 30d
              verify: [yes]
            sinks: [{id: app, kind: env-file, path: /srv/app.env, key: API_KEY}]

            """
        let errors = try Self.errors(text)
        #expect(errors.count == 3)
        let positions = errors.map { "\($0.location.line):\($0.location.column)" }.sorted()
        #expect(positions == ["10:11", "6:12", "8:3"])
        #expect(errors.contains { $0.message.contains("unknown key 'evry'") && $0.hint == "did you mean 'every'?" })
        #expect(errors.contains { $0.message.contains("inline secret") })
        #expect(errors.contains { $0.message.contains("'verify' must be true or false") })
        #expect(!errors.map(\.description).joined().contains("sk_live_DO_NOT_PRINT"))
    }

    @Test(arguments: [
        (
            "provider: {kind: questionpro.api-key, datacenter: com, organization_id: \"1\"}",
            "provider: {kind: questionpro.apikey, datacenter: com, organization_id: \"1\"}", "unknown provider kind"
        ),
        ("every: 30d", "every: 30 days", "not a duration"),
        ("policy: {every: 30d}", "policy: {every: 30d, window: \"25:00-04:00\"}", "'window' must look like"),
        ("key: API_KEY}", "key: API_KEY, mode: 0600}", "quoted octal"),
        ("key: API_KEY}", "key: API_KEY, mode: \"1777\"}", "above 0777"),
        ("datacenter: com,", "base_url: \"http://api.example.com\",", "must use https"),
        ("{api_key: {sink: app}}", "{api_key: {sink: nope}}", "names no sink"),
        ("{api_key: {sink: app}}", "{api_key: {vault: x}}", "unknown reference kind"),
        ("tenant: acme\n", "", "needs 'tenant'"),
        ("kind: env-file, path", "kind: envfile, path", "unknown sink kind"),
    ])
    func eachMistakeIsReported(_ replace: String, _ with: String, _ expected: String) throws {
        let text = Self.valid.replacingOccurrences(of: replace, with: with)
        #expect(text != Self.valid)
        let errors = try Self.errors(text)
        #expect(errors.contains { $0.message.contains(expected) }, "\(errors)")
    }

    @Test func httpIsAllowedOnlyToLoopback() throws {
        for host in ["127.0.0.1:8080", "localhost", "[::1]:9"] {
            let text = Self.valid.replacingOccurrences(of: "datacenter: com,", with: "base_url: \"http://\(host)\",")
            #expect(try Self.errors(text).isEmpty, "\(host)")
        }
        let remote = Self.valid.replacingOccurrences(
            of: "datacenter: com,", with: "base_url: \"http://127.evil.example\",")
        #expect(!(try Self.errors(remote)).isEmpty)
    }

    @Test func groupAndOtherModeBitsWarn() throws {
        let (result, dir) = try Self.load([
            "job.yaml": Self.valid.replacingOccurrences(of: "key: API_KEY}", with: "key: API_KEY, mode: \"0644\"}")
        ])
        defer { dir.remove() }
        #expect(result.errorCount == 0)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("group or others") })
    }

    @Test func qrveyKindsNeedTheirSchedule() throws {
        let admin = """
            name: q
            tenant: a
            env: p
            provider: {kind: qrvey.admin-token, base_url: "https://q.example", username: u}
            credentials: {access_key: {env: K}}
            policy: {renew_before: 1d}
            sinks: [{id: t, kind: file, path: /srv/t}]
            """
        #expect(try Self.errors(admin).contains { $0.message.contains("needs 'policy.every'") })
        let composer = admin.replacingOccurrences(
            of: "qrvey.admin-token, base_url: \"https://q.example\", username: u",
            with: "qrvey.composer-token, base_url: \"https://q.example\", user_id: u, app_id: a"
        )
        .replacingOccurrences(of: "access_key", with: "api_key")
        #expect(try Self.errors(composer).contains { $0.message.contains("renew_before' with 'provider.expires_in'") })
        let fixed = composer.replacingOccurrences(of: "app_id: a", with: "app_id: a, expires_in: 1w")
        #expect(try Self.errors(fixed).isEmpty)
    }

    @Test func aRelativeSinkPathIsResolvedAgainstTheJobFilesDirectory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/job.yaml", Self.valid.replacingOccurrences(of: "/srv/app.env", with: "../sinks/app.env"))
        let result = JobLoader.load(paths: [dir.file("jobs")])
        let path = try #require(result.jobs.first?.sinks.first?.path)
        #expect(path == URL(fileURLWithPath: dir.path + "/sinks/app.env").standardizedFileURL.path)
    }

    @Test func twoJobsMayNotShareANameACredentialOrASinkAndBothPlacesAreNamed() throws {
        let shared = Self.valid.replacingOccurrences(
            of: "{api_key: {sink: app}}", with: "{api_key: {file: /srv/app.key}}"
        )
        .replacingOccurrences(of: "key: API_KEY}]", with: "key: API_KEY}, {id: key, kind: file, path: /srv/app.key}]")
        let other = shared.replacingOccurrences(of: "organization_id: \"1\"", with: "organization_id: \"2\"")
        let (result, dir) = try Self.load(["a.yaml": shared, "b.yaml": other])
        defer { dir.remove() }
        let messages = result.diagnostics.map(\.description)
        #expect(
            messages.contains {
                $0.contains("two jobs are named 'acme-prod'") && $0.contains("a.yaml") && $0.contains("b.yaml")
            })
        #expect(messages.contains { $0.contains("reads its api_key from file:/srv/app.key") })
        #expect(messages.contains { $0.contains("writes /srv/app.env#API_KEY") })
    }

    /// A login input (Qrvey's x-api-key, an admin access key) is never rotated by rekey, so
    /// several jobs may mint their tokens from the same one.
    @Test func twoComposerJobsMayShareTheLoginInputTheyMintTokensWith() throws {
        func composer(_ name: String) -> String {
            """
            name: \(name)
            tenant: acme
            env: prod
            provider: {kind: qrvey.composer-token, base_url: "https://q.example", user_id: u, app_id: \(name), expires_in: 1w}
            credentials: {api_key: {env: QRVEY_API_KEY}}
            policy: {every: 5d}
            sinks: [{id: t, kind: file, path: /srv/\(name).token}]

            """
        }
        let (result, dir) = try Self.load(["a.yaml": composer("dash-a"), "b.yaml": composer("dash-b")])
        defer { dir.remove() }
        #expect(result.diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        #expect(result.jobs.count == 2)
    }

    @Test func defaultsMergeDeeplyAndInheritedMistakesPointAtTheDefaultsLineNamingTheJob() throws {
        let text = """
            defaults:
              tenant: acme
              provider: {kind: questionpro.api-key, datacenter: com}
              policy: {every: 30d, grace: 2d, retry: {attempts: 2}}
              hooks: [{argv: [/bin/true]}]
              sinks: [{id: app, kind: env-file, path: /srv/default.env, key: API_KEY}]
            jobs:
              - name: one
                env: prod
                provider: {organization_id: "1"}
                policy: {grace: 3d}
                credentials: {api_key: {sink: own}}
                sinks: [{id: own, kind: file, path: /srv/one.key}]
              - name: two
                env: staging
                provider: {organization_id: "2", datacenter: xx}
                credentials: {api_key: {sink: app}}
            """
        let (result, dir) = try Self.load(["jobs.yaml": text])
        defer { dir.remove() }
        let one = try #require(result.jobs.first { $0.name == "one" })
        #expect(one.tenant == "acme")
        #expect(one.policy.every == .days(30))
        #expect(one.policy.grace == .days(3))
        #expect(one.policy.retry.attempts == 2)
        #expect(one.sinks.map(\.id) == ["own"])
        #expect(one.hooks.count == 1)
        if case .questionPro(let spec) = one.provider { #expect(spec.organizationID == "1") }
        // Job two overrides the datacenter with a bad one: reported at its own line.
        #expect(result.diagnostics.contains { $0.location.line == 16 && $0.message.contains("datacenter") })
        let inherited = try TemporaryDirectory()
        defer { inherited.remove() }
        try inherited.write(
            "jobs.yaml",
            text.replacingOccurrences(of: "grace: 2d", with: "grace: soon").replacingOccurrences(
                of: "datacenter: xx", with: "datacenter: eu"))
        let bad = JobLoader.load(paths: [inherited.path])
        let diagnostic = try #require(bad.diagnostics.first { $0.message.contains("'grace'") && $0.job == "two" })
        #expect(diagnostic.location.line == 4)
    }

    @Test func globalDefaultsFromRekeyYamlSitBeneathTheFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("rekey.yaml", "defaults:\n  policy: {grace: 5d}\n  tenant: fallback\n")
        try dir.write("jobs/job.yaml", Self.valid)
        let (config, problems) = GlobalConfig.load(path: dir.file("rekey.yaml"))
        #expect(problems.isEmpty)
        let result = JobLoader.load(paths: [dir.file("jobs")], globalDefaults: config?.defaults)
        #expect(result.jobs.first?.policy.grace == .days(5))
        #expect(result.jobs.first?.tenant == "acme")
    }
}

/// A per-attempt timeout the default --grace cannot cover is flagged by `validate`.
@Suite struct GraceCoverageTests {
    @Test func aTimeoutAboveFortyFiveSecondsIsAWarningNamingGrace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(
            "j.yaml",
            """
            name: slow
            tenant: acme
            env: prod
            provider: {kind: qrvey.admin-token, base_url: "https://q.example", username: u}
            credentials: {access_key: {env: K}}
            policy: {every: 1d, retry: {timeout: 50s, deadline: 5m}}
            sinks: [{id: t, kind: file, path: t.token}]
            """)
        let result = JobLoader.load(paths: [dir.path])
        #expect(!result.hasErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("--grace") })
    }
}

/// Two-letter datacenter codes are all one edit apart: no "did you mean" that misleads.
@Suite struct DatacenterHintTests {
    @Test func anUnknownDatacenterListsTheCodesAndNamesComForTheUSInsteadOfSuggestingEU() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(
            "j.yaml",
            """
            name: qp
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: us, organization_id: "1"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: file, path: app.key}]
            """)
        let diagnostic = try #require(
            JobLoader.load(paths: [dir.path]).diagnostics.first { $0.message.contains("datacenter") })
        #expect(diagnostic.hint?.contains("did you mean") != true)
        #expect(diagnostic.hint?.contains("'com'") == true)
    }
}
