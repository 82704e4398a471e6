import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeySchedule
import RekeyTestSupport
import Testing

/// A credential's expiry is shown in `plan` (table and JSON), in `audit report` (every
/// format) and as `rekey_credential_expiry_timestamp_seconds`; `plan` warns about a
/// lifetime shorter than the time between runs.
@Suite struct ExpiryReportingTests {
    static let now = AuditReportTests.now
    static let expiry = now + 3600  // 2027-01-15T09:00:00Z
    static let hour: TimeInterval = 3600

    /// `token` holds a one-hour token issued now; `plain` never had an expiry.
    static var log: InMemoryAuditLog {
        InMemoryAuditLog(events: [
            AuditEvent(
                time: expiry - hour, runID: "r", step: .issued, job: "token", tenant: "acme", env: "prod",
                provider: "questionpro.api-key", expiry: expiry),
            AuditEvent(
                time: expiry - hour, runID: "r", step: .done, job: "token", tenant: "acme", env: "prod",
                provider: "questionpro.api-key", expiry: expiry),
            AuditEvent(
                time: now - 86_400, runID: "r", step: .done, job: "plain", tenant: "acme", env: "prod",
                provider: "questionpro.api-key"),
        ])
    }

    static let jobs = [AuditReportTests.job("token"), AuditReportTests.job("plain")]

    @Test func planShowsTheExpiryInTheTableAndTheJSON() async throws {
        let entries = Plan.build(jobs: Self.jobs, histories: try await Self.log.histories(), now: Self.now)
        #expect(entries.first { $0.job == "token" }?.expiry == Self.expiry)
        #expect(entries.first { $0.job == "plain" }?.expiry == nil)
        let table = Plan.table(entries, now: Self.now)
        #expect(table.contains("EXPIRES") && table.contains("2027-01-15T09:00:00Z"))
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(Plan.json(entries).utf8)) as? [String: Any])
        let json = try #require(document["jobs"] as? [[String: Any]])
        #expect(json.first { $0["job"] as? String == "token" }?["expiry"] as? String == "2027-01-15T09:00:00.000Z")
    }

    @Test func planWarnsAboutALifetimeShorterThanTheRunInterval() async throws {
        let histories = try await Self.log.histories()
        let daily = Plan.build(jobs: Self.jobs, histories: histories, now: Self.now)
        let warning = try #require(daily.first { $0.job == "token" }?.warning)
        #expect(warning.contains("lives 1h") && warning.contains("1d (run_interval)"))
        #expect(daily.first { $0.job == "plain" }?.warning == nil)
        #expect(Plan.table(daily, now: Self.now).contains("\nwarning: job 'token': its credential lives 1h"))
        let document = try JSONSerialization.jsonObject(with: Data(Plan.json(daily).utf8)) as? [String: Any]
        let json = document?["jobs"] as? [[String: Any]]
        #expect((json?.first { $0["job"] as? String == "token" }?["warning"] as? String)?.contains("lives 1h") == true)

        let halfHourly = Plan.build(
            jobs: Self.jobs, histories: histories, now: Self.now, interval: RunInterval(configured: .minutes(30)))
        #expect(halfHourly.allSatisfy { $0.warning == nil })
    }

    @Test func theLogsMedianRunGapOverridesAShorterRunInterval() async throws {
        let runs = (0..<5).map {
            AuditEvent(time: Self.now - Double($0) * 2 * Self.hour, runID: "r\($0)", step: .runStarted)
        }
        let log = InMemoryAuditLog(events: runs)
        let interval = try await log.runInterval(configured: .minutes(30))
        #expect(interval.observed == .hours(2) && interval.effective == .hours(2))
        let entries = Plan.build(
            jobs: Self.jobs, histories: try await Self.log.histories(), now: Self.now, interval: interval)
        #expect(entries.first { $0.job == "token" }?.warning?.contains("median gap") == true)
    }

    @Test func theReportShowsTheExpiryInEveryFormat() async throws {
        let report = try await AuditReport.build(
            jobs: Self.jobs, store: Self.log, filter: AuditReportFilter(), now: Self.now)
        #expect(report.rows.first { $0.job == "token" }?.expiry == Self.expiry)
        for format in [AuditReportFormat.table, .csv, .markdown] {
            #expect(try report.render(format).contains("2027-01-15T09:00:00Z"), "\(format)")
        }
        #expect(try report.render(.csv).hasPrefix("job,tenant,env,provider,state,last_success,age,next_due,expiry,"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any])
        let rows = try #require(json["jobs"] as? [[String: Any]])
        #expect(rows.first { $0["job"] as? String == "token" }?["expiry"] as? String == "2027-01-15T09:00:00.000Z")
        #expect(rows.first { $0["job"] as? String == "plain" }?["expiry"] is NSNull)
    }

    @Test func theExpiryMetricHasTheJobLabelsAndOnlyKnownExpiries() async throws {
        let report = try await AuditReport.build(
            jobs: Self.jobs, store: Self.log, filter: AuditReportFilter(), now: Self.now)
        let text = try report.render(.prometheus)
        #expect(text.contains("# TYPE rekey_credential_expiry_timestamp_seconds gauge"))
        #expect(
            text.contains(
                #"rekey_credential_expiry_timestamp_seconds{rotation_job="token",tenant="acme",env="prod",provider="questionpro.api-key"} 1800003600"#
            ))
        #expect(!text.contains(#"rekey_credential_expiry_timestamp_seconds{rotation_job="plain""#))
        #expect(PrometheusExpositionTests.validate(text) == [])
    }

    @Test func aNeverRotatedJobDeclaredThreeDaysAgoIsOverdueInTheReport() async throws {
        var job = AuditReportTests.job("fresh")
        job.declaredAt = Self.now - 3 * 86_400
        let report = try await AuditReport.build(
            jobs: [job], store: InMemoryAuditLog(), filter: AuditReportFilter(), now: Self.now)
        #expect(report.rows.map(\.state) == [.overdue])
        #expect(report.contains(anyOf: [.overdue]))
        let plan = Plan.build(jobs: [job], histories: [:], now: Self.now)
        #expect(plan.first?.overdue == true && plan.first?.state == .overdue)
    }
}
