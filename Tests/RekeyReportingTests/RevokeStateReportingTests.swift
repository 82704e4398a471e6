import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeySchedule
import RekeyTestSupport
import Testing

/// `plan` and `audit report` show a two-key job's pending revoke (`revoke-pending`, with
/// when it falls due) and a failed one (`revoke-failed`, with why), and `ok` once revoked.
@Suite struct RevokeStateReportingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let job = HTTPJobs.twoKeyJob(
        directory: "/srv/app", baseURL: URL(string: "https://api.vendor.example")!, after: .hours(1))

    static func event(_ step: AuditStep, id: String? = nil, due: Date? = nil, message: String? = nil) -> AuditEvent {
        var event = AuditEvent(
            time: now, runID: "r", step: step, job: job.name, tenant: "acme", env: "prod", provider: "http",
            message: message)
        event.credentialID = id
        event.expiry = due
        return event
    }

    static let pending = [
        event(.done, id: "key_2"), event(.revokePending, id: "key_1", due: now + 3600),
    ]

    static func report(_ events: [AuditEvent]) async throws -> AuditReport {
        try await AuditReport.build(
            jobs: [job], store: InMemoryAuditLog(events: events), filter: AuditReportFilter(), now: now + 60)
    }

    @Test func aPendingRevokeIsShownWithItsDueTime() async throws {
        let histories = JobHistory.fold(Self.pending)
        let entry = try #require(Plan.build(jobs: [Self.job], histories: histories, now: Self.now + 60).first)
        #expect(entry.state == .revokePending)
        #expect(!entry.due)
        #expect(entry.nextDue == Self.now + 3600)
        #expect(entry.reason.contains("revoke of the previous credential pending until"))
        #expect(Plan.table([entry], now: Self.now + 60).contains("revoke-pending"))
        #expect(try await Self.report(Self.pending).rows.first?.state == .revokePending)
    }

    @Test func aFailedRevokeIsShownWithWhyAndSelectableForMonitoring() async throws {
        let failed =
            Self.pending + [
                Self.event(
                    .revokeFailed, id: "key_1",
                    message:
                        "the previous credential (id key_1) was not revoked: sink 'app' does not hold the new credential"
                )
            ]
        let report = try await Self.report(failed)
        let row = try #require(report.rows.first)
        #expect(row.state == .revokeFailed)
        #expect(row.lastError?.contains("sink 'app' does not hold the new credential") == true)
        #expect(report.contains(anyOf: [.revokeFailed]))
        #expect(try report.render(.table).contains("revoke-failed"))
        let revoked = failed + [Self.event(.revoked, id: "key_1")]
        #expect(try await Self.report(revoked).rows.first?.state == .ok)
    }
}
