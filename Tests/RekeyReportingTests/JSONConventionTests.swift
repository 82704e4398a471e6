import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeyTestSupport
import Testing

/// Every JSON rekey prints follows one convention (`JSONOutput`): snake_case keys,
/// `schema_version` 1, RFC 3339 UTC times with milliseconds, durations to the millisecond,
/// no escaped slash. One test per output, each decoding the output itself.
@Suite struct JSONConventionTests {
    static let now = AuditReportTests.now

    @Test func theCheckCatchesEveryBreachOfTheConvention() {
        #expect(JSONConventionCheck.problems(in: #"{"schema_version": 1, "run_id": "r"}"#) == [])
        let breaches = [
            #"{"schema_version": 1, "runID": "r"}"#, #"{"run_id": "r"}"#, #"{"schema_version": 2}"#,
            #"{"schema_version": 1, "time": "2026-11-25T12:00:00Z"}"#,
            #"{"schema_version": 1, "next_due": "2026-11-25T12:00:00.000+02:00"}"#,
            #"{"schema_version": 1, "seconds": 0.5693234205245972}"#,
            #"{"schema_version": 1, "url": "https:\/\/example.com"}"#, #"[{"schema_version": 1}]"#,
            #"{"schema_version": 1, "jobs": [{"lastSuccess": null}]}"#,
        ]
        for text in breaches {
            #expect(!JSONConventionCheck.problems(in: text).isEmpty, "\(text)")
        }
        #expect(!JSONConventionCheck.problems(in: "{\"schema_version\": 1}\n{\"a\": 1}\n", lines: true).isEmpty)
    }

    @Test func planJSON() async throws {
        let store = InMemoryAuditLog(events: [
            AuditReportTests.event(.done, "fresh", daysAgo: 1.2345678)
        ])
        let entries = Plan.build(
            jobs: [AuditReportTests.job("fresh"), AuditReportTests.job("never")],
            histories: try await store.histories(),
            now: Self.now)
        let text = try Plan.json(entries)
        #expect(JSONConventionCheck.problems(in: text) == [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["job"] as? String } == ["fresh", "never"])
        #expect(jobs[0]["last_success"] as? String == JSONOutput.time(Self.now - 1.2345678 * 86_400))
        #expect(jobs[0]["hooks_only"] as? Bool == false)
    }

    @Test func auditReportJSON() async throws {
        let text = try await AuditReportTests.report().render(.json)
        #expect(JSONConventionCheck.problems(in: text) == [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["generated_at"] as? String == JSONOutput.time(Self.now))
    }

    @Test func auditEventsJSON() async throws {
        var event = AuditReportTests.event(.done, "fresh", daysAgo: 1, message: "sink /srv/app/key written")
        event.latencyMilliseconds = 569
        event.vendorErrorID = "1026"
        event.expiry = Self.now + 3600.5
        let store = InMemoryAuditLog(events: [event, AuditReportTests.event(.failed, "other", daysAgo: 0.5)])
        let text = try AuditEventListing.render(try await store.events(AuditEventFilter()), format: .json)
        #expect(JSONConventionCheck.problems(in: text) == [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.count == 2)
        let first = events[0]
        #expect(first["run_id"] as? String == "r")
        #expect(first["prev_hash"] != nil)
        #expect(first["vendor_error_id"] as? String == "1026")
        #expect(first["latency_seconds"] as? Double == 0.569)
        #expect(first["expiry"] as? String == JSONOutput.time(Self.now + 3600.5))
        #expect(first["message"] as? String == "sink /srv/app/key written")
        // Every key is there for every event, null when absent.
        #expect(Set(events[1].keys) == Set(first.keys))
        #expect(events[1]["latency_seconds"] is NSNull)
    }

    @Test func runJSONLines() throws {
        var outcome = JobOutcome(
            job: "acme-prod", tenant: "acme", env: "prod", kind: .failed, attempts: 2, seconds: 0.5693234205245972,
            message: "see https://status.example.com/x")
        outcome.errorName = "INTERNAL_SERVER_ERROR"
        outcome.errorID = "1026"
        var summary = RunSummary(runID: "20261125T120000Z-ab12", outcomes: [outcome])
        summary.seconds = 1.23456789
        summary.pendingRecovery = ["lost"]
        summary.backingOff = [RunSummary.BackingOff(job: "slow", failures: 2, retryAt: Self.now + 7200)]
        let text =
            try RunJSONLines.job(outcome, at: Self.now) + "\n" + RunJSONLines.summary(summary, at: Self.now + 0.25)
        #expect(JSONConventionCheck.problems(in: text, lines: true) == [])
        let lines = try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines[0]["event"] as? String == "job")
        #expect(lines[0]["time"] as? String == JSONOutput.time(Self.now))
        let jobOutcome = try #require(lines[0]["outcome"] as? [String: Any])
        #expect(jobOutcome["seconds"] as? Double == 0.569)
        #expect(jobOutcome["error_id"] as? String == "1026")
        #expect(jobOutcome["kind"] as? String == "failed")
        #expect(lines[1]["event"] as? String == "summary")
        #expect(lines[1]["run_id"] as? String == "20261125T120000Z-ab12")
        #expect(lines[1]["exit_code"] as? Int == 2)
        #expect(lines[1]["seconds"] as? Double == 1.235)
        #expect(lines[1]["pending_recovery"] as? [String] == ["lost"])
        let backingOff = try #require(lines[1]["backing_off"] as? [[String: Any]])
        #expect(backingOff.first?["retry_at"] as? String == JSONOutput.time(Self.now + 7200))
        #expect(!text.contains("0.5693234205245972"))
    }
}
