import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeyTestSupport
import Testing

@Suite struct AuditReportTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let here = SourceLocation(file: "t.yaml", line: 1, column: 1)

    static func job(_ name: String, tenant: String = "acme") -> Job {
        Job(
            name: name, tenant: tenant, env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .env("K")], policy: Policy(every: .days(30), grace: .days(1)),
            sinks: [SinkSpec(id: "a", kind: .file, path: "/tmp/\(name)", location: here)], location: here)
    }

    static func event(_ step: AuditStep, _ job: String, daysAgo: Double, message: String? = nil, exitCode: Int? = nil)
        -> AuditEvent
    {
        var event = AuditEvent(
            time: now - daysAgo * 86_400, runID: "r", step: step, job: job, tenant: "acme", env: "prod",
            provider: "questionpro.api-key", message: message)
        event.exitCode = exitCode
        return event
    }

    static func report(formats: Bool = false) async throws -> AuditReport {
        let store = InMemoryAuditLog(events: [
            event(.done, "fresh", daysAgo: 1),
            event(.done, "overdue", daysAgo: 40),
            event(.done, "failing", daysAgo: 40),
            event(.failed, "failing", daysAgo: 0.01, message: "QuestionPro answered 500, \"oops\""),
            event(.done, "hooked", daysAgo: 1), event(.hook, "hooked", daysAgo: 1, exitCode: 3),
            event(.needsRecovery, "lost", daysAgo: 0.5, message: "run rekey adopt"),
            event(.done, "gone", daysAgo: 2),
        ])
        let jobs = ["fresh", "never", "overdue", "failing", "hooked", "lost"].map { job($0) }
        return try await AuditReport.build(jobs: jobs, store: store, filter: AuditReportFilter(), now: now)
    }

    @Test func everyStateIsDerivedFromTheLog() async throws {
        let report = try await Self.report()
        let states = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.job, $0.state) })
        #expect(states["fresh"] == .ok)
        #expect(states["never"] == .due)
        #expect(states["overdue"] == .overdue)
        #expect(states["failing"] == .failing)
        #expect(states["hooked"] == .hookFailed)
        #expect(states["lost"] == .needsRecovery)
        #expect(states["gone"] == .ok)
        #expect(report.rows.first { $0.job == "gone" }?.inJobFiles == false)
        #expect(report.rows.first { $0.job == "failing" }?.consecutiveFailures == 1)
        #expect(report.contains(anyOf: [.needsRecovery]))
        #expect(!report.contains(anyOf: []))
    }

    @Test func filtersSelectTenantJobAndState() async throws {
        var filter = AuditReportFilter()
        filter.states = [.overdue, .failing]
        let store = InMemoryAuditLog(events: [Self.event(.done, "a", daysAgo: 40)])
        let report = try await AuditReport.build(
            jobs: [Self.job("a"), Self.job("b")], store: store, filter: filter, now: Self.now)
        #expect(report.rows.map(\.job) == ["a"])
    }

    @Test func jsonIsParsableWithTheDocumentedShape() async throws {
        let text = try await Self.report().render(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["generated_at"] is String)
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.count == 7)
        for key in [
            "job", "tenant", "env", "provider", "state", "failures_in_period", "consecutive_failures", "in_job_files",
        ] {
            #expect(jobs[0][key] != nil, "missing \(key)")
        }
    }

    @Test func csvHasTheSameColumnCountOnEveryRecord() async throws {
        let text = try await Self.report().render(.csv)
        #expect(text.contains("\"QuestionPro answered 500, \"\"oops\"\"\""))
        for line in text.split(separator: "\r\n") {
            var columns = 1
            var quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() }
                if character == "," && !quoted { columns += 1 }
            }
            #expect(columns == 11, "\(line)")
        }
    }

    @Test func tableAndMarkdownNameEveryJob() async throws {
        let report = try await Self.report()
        for format in [AuditReportFormat.table, .markdown] {
            let text = try report.render(format)
            for row in report.rows { #expect(text.contains(row.job)) }
        }
        #expect(try report.render(.markdown).hasPrefix("| job | tenant |"))
    }

    @Test func theEventListingRendersEveryFormat() throws {
        let events = [Self.event(.done, "a", daysAgo: 1, message: "with | pipe, and comma")]
        for format in AuditReportFormat.allCases {
            #expect(try AuditEventListing.render(events, format: format).contains("done"))
        }
    }
}
