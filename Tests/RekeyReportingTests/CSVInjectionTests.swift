import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeyTestSupport
import Testing

/// A spreadsheet opening a report runs any cell that starts like a formula: such cells
/// get a leading `'` (OWASP's CSV-injection advice), in the report and the event listing.
@Suite struct CSVInjectionTests {
    static let hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]

    static func fields(_ csv: String) -> [String] {
        csv.split(separator: "\r\n").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map(String.init)
    }

    @Test func eventFieldsThatStartLikeAFormulaAreEscaped() throws {
        let events = Self.hostile.map { text in
            AuditEvent(
                time: AuditReportTests.now, runID: "r", step: .failed, job: "j", tenant: "t", env: "e",
                message: text)
        }
        let csv = try AuditEventListing.render(events, format: .csv)
        #expect(csv.contains("'=cmd|' /C calc'!A0"), "\(csv)")
        #expect(csv.contains("'+1+1") && csv.contains("'-2+3") && csv.contains("'@SUM(A1)"))
        #expect(csv.contains("'\tTAB") && csv.contains("\"'\rCR\""))
        #expect(!Self.fields(csv).contains { $0.hasPrefix("=") || $0.hasPrefix("+") || $0.hasPrefix("@") })
    }

    @Test func reportFieldsThatStartLikeAFormulaAreEscapedButPlainPlaceholdersAreNot() async throws {
        let jobs = ["=evil", "plain"].map { tenant in
            var job = AuditReportTests.job("job-of-\(tenant.filter(\.isLetter))")
            job.tenant = tenant
            return job
        }
        let report = try await AuditReport.build(
            jobs: jobs, store: InMemoryAuditLog(events: []), filter: AuditReportFilter(), now: AuditReportTests.now)
        let fields = Self.fields(try report.render(.csv))
        #expect(fields.contains("'=evil"))
        #expect(!fields.contains("=evil"))
        #expect(fields.contains("-"), "the '-' placeholder for an unknown age stays as it is")
    }
}
