import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// Qrvey composer jobs, as an operator sets them up: several mint tokens from one x-api-key
    /// (a login input rekey never rotates), and `baseline` says which jobs it cannot mark fresh
    /// instead of counting them.
    @Suite struct LoginInputCommandTests {
        static func composer(_ name: String) -> String {
            """
            name: \(name)
            tenant: acme
            env: prod
            provider: {kind: qrvey.composer-token, base_url: "https://q.example", user_id: u, app_id: \(name), expires_in: 1w}
            credentials: {api_key: {env: QRVEY_API_KEY}}
            policy: {renew_before: 1d}
            sinks: [{id: t, kind: file, path: ../sinks/\(name).token}]

            """
        }

        @Test func twoJobsShareOneLoginInputAndBaselineNamesTheJobsItCannotMarkFresh() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("jobs/a.yaml", Self.composer("dash-a"))
            try dir.write("jobs/b.yaml", Self.composer("dash-b"))
            let base = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]

            let validate = try RekeyProcess.run(["validate", dir.file("jobs")])
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")

            let baseline = try RekeyProcess.run(["baseline"] + base)
            #expect(baseline.status == 0, "\(baseline.stderr)")
            #expect(baseline.stdout.contains("baselined 0 job(s)"))
            #expect(baseline.stdout.contains("not baselined: dash-a: its schedule is its token's expiry"))
            #expect(baseline.stdout.contains("not baselined: dash-b"))
        }
    }
}
