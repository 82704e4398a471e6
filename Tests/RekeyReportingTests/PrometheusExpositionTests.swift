import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyReporting
@testable import RekeyRunner
@testable import RekeySchedule

@Suite struct PrometheusExpositionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func row(_ job: String, _ state: JobState, tenant: String = "acme \"q\"") -> AuditReportRow {
        AuditReportRow(
            job: job, tenant: tenant, env: "prod", provider: "questionpro.api-key", state: state,
            lastSuccess: now - 86_400, lastAttempt: now - 60, ageSeconds: 86_400, nextDue: now + 3600,
            failuresInPeriod: 0, consecutiveFailures: state == .failing ? 2 : 0, lastError: nil, inJobFiles: true)
    }

    /// A strict reading of the text exposition format (version 0.0.4).
    static func validate(_ text: String) -> [String] {
        var problems: [String] = []
        var typed: Set<String> = []
        var helped: Set<String> = []
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*""#
        let sample = try! NSRegularExpression(
            pattern: "^(\(name))(\\{(\(label))(,\(label))*\\})? (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?)$")
        let type = try! NSRegularExpression(pattern: "^# TYPE (\(name)) (gauge|counter|untyped)$")
        guard text.hasSuffix("\n") else { return ["no trailing newline"] }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let line = String(line)
            let range = NSRange(line.startIndex..., in: line)
            if line.hasPrefix("# HELP ") {
                helped.insert(String(line.dropFirst(7).prefix { $0 != " " }))
                continue
            }
            if let match = type.firstMatch(in: line, range: range) {
                typed.insert(String(line[Range(match.range(at: 1), in: line)!]))
                continue
            }
            guard let match = sample.firstMatch(in: line, range: range) else {
                problems.append("bad line: \(line)")
                continue
            }
            let metric = String(line[Range(match.range(at: 1), in: line)!])
            if !typed.contains(metric) { problems.append("sample before its TYPE: \(metric)") }
            if !helped.contains(metric) { problems.append("sample before its HELP: \(metric)") }
        }
        return problems
    }

    @Test func theExpositionIsValidAndHoldsEveryJobAndRunFigure() {
        var summary = RunSummary(runID: "r1", outcomes: [JobOutcome(job: "a", tenant: "t", env: "e", kind: .rotated)])
        summary.seconds = 1.5
        let text = PrometheusExposition.render(
            rows: [Self.row("a", .ok), Self.row("b", .failing)], run: RunEnd(exitCode: 0, summary: summary),
            now: Self.now)
        #expect(Self.validate(text) == [])
        #expect(
            text.contains(
                #"rekey_job_consecutive_failures{rotation_job="b",tenant="acme \"q\"",env="prod",provider="questionpro.api-key"} 2"#
            ))
        #expect(
            text.contains(
                #"rekey_job_state{rotation_job="a",tenant="acme \"q\"",env="prod",provider="questionpro.api-key",state="ok"} 1"#
            )
        )
        #expect(text.contains("rekey_job_seconds_until_due{"))
        #expect(text.contains("rekey_run_duration_seconds 1.5"))
        #expect(text.contains(#"rekey_run_outcomes{outcome="rotated"} 1"#))
        #expect(text.contains(#"rekey_run_outcomes{outcome="unsettled"} 0"#))
        #expect(text.contains("rekey_run_exit_code 0"))
    }

    @Test func aFamilyWithoutSamplesIsLeftOutWhole() {
        let text = PrometheusExposition.render(rows: [], run: RunEnd(exitCode: 66), now: Self.now)
        #expect(Self.validate(text) == [])
        #expect(!text.contains("rekey_job_"))
        #expect(!text.contains("rekey_run_duration_seconds"))
        #expect(text.contains("# TYPE rekey_run_exit_code gauge\nrekey_run_exit_code 66\n"))
        #expect(text.contains("rekey_run_timestamp_seconds 1800000000\n"))
        #expect(PrometheusExposition.render(rows: [], run: nil, now: Self.now) == "")
        let head = PrometheusExposition.render(rows: [], run: nil, now: Self.now, headCount: 1234)
        #expect(Self.validate(head) == [])
        #expect(head.hasSuffix("# TYPE rekey_audit_head_count gauge\nrekey_audit_head_count 1234\n"))
    }

    @Test func theValidatorRejectsBrokenLines() {
        #expect(!Self.validate("# TYPE x gauge\nx{job=\"a} 1\n").isEmpty)
        #expect(!Self.validate("y 1\n").isEmpty)
        #expect(!Self.validate("# TYPE z gauge\nz 1\n").isEmpty)
    }

    @Test func theMetricsFileIsReplacedAtomically() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("rekey.prom")
        try PrometheusExposition.write("# TYPE a gauge\na 1\n", to: path)
        try PrometheusExposition.write("# TYPE a gauge\na 2\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# TYPE a gauge\na 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["rekey.prom"])
    }
}
