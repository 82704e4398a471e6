import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary: a never-rotated job becomes overdue after `grace`, and a token that
    /// lives less than the time between runs is a warning (exit status unchanged).
    @Suite struct ExpiryCommandLineTests {
        static let questionProJob = """
            name: acme-prod-questionpro
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: com, organization_id: "4711"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: file, path: /srv/never-written.key}]

            """

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
            credentials: {api_key: {env: QRVEY_API_KEY}}
            policy: {every: 12h}
            sinks: [{id: embed, kind: file, path: /srv/never-written.token}]

            """

        static func planEntries(_ result: RekeyProcess.Result) throws -> [[String: Any]] {
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            return try #require(document["jobs"] as? [[String: Any]])
        }

        @Test func aNeverRotatedJobIsOverdueThreeDaysLaterInPlanAndReport() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = try dir.write("jobs/qp.yaml", Self.questionProJob)
            let base = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]
            let soon = ISO8601DateFormatter().string(from: Date() + 3600)
            let fresh = try RekeyProcess.run(["plan"] + base + ["--now", soon, "--format", "json"])
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(try Self.planEntries(fresh).first?["state"] as? String == "due")
            #expect(try Self.planEntries(fresh).first?["overdue"] as? Bool == false)

            let later = ISO8601DateFormatter().string(from: Date() + 3 * 86_400)
            let json = try RekeyProcess.run(["plan"] + base + ["--now", later, "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let entry = try #require(try Self.planEntries(json).first)
            #expect(entry["overdue"] as? Bool == true && entry["state"] as? String == "overdue")
            let table = try RekeyProcess.run(["plan"] + base + ["--now", later])
            #expect(table.stdout.contains("overdue"))

            // `audit report` has no --now: the job file was declared three days ago instead.
            try FileManager.default.setAttributes(
                [.modificationDate: Date() - 3 * 86_400], ofItemAtPath: file)
            let report = try RekeyProcess.run(["audit", "report"] + base + ["--fail-on", "overdue"])
            #expect(report.status == 1, "\(report.stdout)\(report.stderr)")
            #expect(report.stdout.contains("overdue"))
        }

        @Test func aTokenShorterThanTheRunIntervalIsAWarningInValidateAndPlan() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("jobs/composer.yaml", Self.composerJob)
            let validate = try RekeyProcess.run(["validate", dir.file("jobs")])
            #expect(validate.status == 0, "\(validate.stderr)")
            #expect(validate.stdout.contains("OK (1 warning(s))"))
            #expect(validate.stderr.contains("warning: job 'acme-prod-qrvey-composer': its credential lives 1h"))
            let json = try RekeyProcess.run(["validate", "--format", "json", dir.file("jobs")])
            #expect(json.status == 0 && json.stdout.contains("\"severity\" : \"warning\""))

            let plan = try RekeyProcess.run(["plan", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state")])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("warning: job 'acme-prod-qrvey-composer': its credential lives 1h"))

            try dir.write("rekey.yaml", "run_interval: 30m\n")
            let quiet = try RekeyProcess.run(["validate", "--config", dir.file("rekey.yaml"), dir.file("jobs")])
            #expect(quiet.status == 0 && !quiet.stderr.contains("warning"), "\(quiet.stderr)")
            let quietPlan = try RekeyProcess.run(["plan", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state")])
            #expect(quietPlan.status == 0 && !quietPlan.stdout.contains("warning"), "\(quietPlan.stdout)")
        }
    }
}
