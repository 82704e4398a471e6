import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// `rekey validate` warns (never errs) about a composer token whose `expires_in` is shorter
/// than `run_interval` from rekey.yaml (default 24h); the warning is in the table line and
/// the JSON alike.
@Suite struct ShortLifetimeValidationTests {
    static let composerJob = """
        name: acme-prod-qrvey-composer
        tenant: acme
        env: prod
        provider:
          kind: qrvey.composer-token
          base_url: https://acme.qrveyapp.com
          user_id: "u1"
          app_id: "a1"
          expires_in: 60m
        credentials:
          api_key: {env: QRVEY_API_KEY}
        policy: {every: 12h}
        sinks:
          - {id: embed, kind: file, path: /srv/qrvey.token}

        """

    @Test func anHourLongTokenAgainstTheDefaultDayIsAWarning() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("jobs/composer.yaml", Self.composerJob)
        let result = try Workspace.loadJobs(at: [path], configPath: nil)
        #expect(!result.hasErrors)
        let warnings = result.diagnostics.filter { $0.severity == .warning }
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect(warning.message.contains("lives 1h") && warning.message.contains("1d (run_interval)"))
        #expect(warning.hint?.contains("expires_in") == true)
        #expect(warning.location.file == path)

        let summary = ValidationSummary(result)
        #expect(summary.line == "1 job(s) in 1 file(s): OK (1 warning(s))")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as? [String: Any])
        #expect(json["warnings"] as? Int == 1 && json["errors"] as? Int == 0)
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["severity"] as? String == "warning")
        #expect((diagnostics.first?["message"] as? String)?.contains("lives 1h") == true)
    }

    @Test func aRunIntervalOfThirtyMinutesSilencesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("jobs/composer.yaml", Self.composerJob)
        let config = try dir.write("rekey.yaml", "run_interval: 30m\n")
        let result = try Workspace.loadJobs(at: [path], configPath: config)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    }

    @Test func theWorkspaceReadsRunIntervalBesideTheJobs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/composer.yaml", Self.composerJob)
        try dir.write("rekey.yaml", "run_interval: 2h\n")
        let workspace = try WorkspaceTests.open(dir)
        #expect(workspace.config.runInterval == .hours(2))
        let warnings = try workspace.loadJobs().diagnostics.filter { $0.severity == .warning }
        #expect(warnings.count == 1 && warnings[0].message.contains("2h (run_interval)"))
    }

    @Test func aRunIntervalThatIsNoDurationIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let zero = try dir.write("zero.yaml", "run_interval: 0s\n")
        #expect(GlobalConfig.load(path: zero).1.contains { $0.message.contains("'run_interval' must be longer") })
        let word = try dir.write("word.yaml", "run_interval: hourly\n")
        #expect(GlobalConfig.load(path: word).1.contains { $0.message.contains("'run_interval' is not a duration") })
    }
}
