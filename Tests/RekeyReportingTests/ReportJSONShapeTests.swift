import Foundation
import RekeyModel
import RekeyReporting
import RekeyTestSupport
import Testing

/// The README promises a stable JSON shape: every key, `null` when there is no value.
@Suite struct ReportJSONShapeTests {
    static let jobKeys = [
        "job", "tenant", "env", "provider", "state", "last_success", "last_attempt", "age_seconds", "next_due",
        "expiry", "failures_in_period", "consecutive_failures", "last_error", "in_job_files", "last_host",
    ]

    @Test func everyJobHasEveryKeyWithNullForAbsentValues() async throws {
        let text = try await AuditReportTests.report().render(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["since"] is NSNull)
        #expect(object["until"] is NSNull)
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        for job in jobs {
            #expect(Set(job.keys) == Set(Self.jobKeys), "\(job)")
        }
        let never = try #require(jobs.first { $0["job"] as? String == "never" })
        #expect(never["last_success"] is NSNull)
        #expect(never["age_seconds"] is NSNull)
        #expect(never["last_error"] is NSNull)
        #expect(never["expiry"] is NSNull)
    }
}
