import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary on the edges operators touch: CSV as spreadsheets read it, hook
    /// paths as `validate` reports them, and keys pasted from a Windows editor.
    @Suite struct OperatorInputOutputTests {
        static let job = """
            name: acme-prod
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: file, path: ../sinks/app.key}]

            """

        @Test func csvEndsWithOneCRLFAfterItsLastRowAndNoBlankLine() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("jobs/job.yaml", Self.job)
            let base = [
                "audit", "report", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state"), "--format", "csv",
            ]
            for arguments in [base, base + ["--events"]] {
                let result = try RekeyProcess.run(arguments)
                #expect(result.status == 0, "\(result.stderr)")
                let bytes = Array(result.stdout.utf8)
                #expect(bytes.suffix(2) == Array("\r\n".utf8), "\(arguments)")
                #expect(bytes.dropLast(2).last != UInt8(ascii: "\n"), "\(arguments)")
                #expect(bytes.dropLast(2).last != UInt8(ascii: "\r"), "\(arguments)")
            }
        }

        @Test func validateReportsARelativeHookProgramInAJobFileAndInRekeyYamlWithItsPosition() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let job = try dir.write("jobs/job.yaml", Self.job + "hooks: [{argv: [systemctl, reload, app]}]\n")
            let config = try dir.write("rekey.yaml", "on_failure:\n  - argv: [notify-send, failed]\n")
            let result = try RekeyProcess.run(["validate", "--config", config, job])
            #expect(result.status == 65)
            #expect(result.stderr.contains("\(job):8:17: error:"), "\(result.stderr)")
            #expect(result.stderr.contains("\(config):2:12: error:"), "\(result.stderr)")
        }

        @Test func adoptDropsTheCarriageReturnOfACRLFTerminatedKey() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("jobs/job.yaml", Self.job)
            try FileManager.default.createDirectory(atPath: dir.file("sinks"), withIntermediateDirectories: true)
            let key = try dir.write("key.txt", "qp-adopted-key\r\n")
            let result = try RekeyProcess.run([
                "adopt", "--job", "acme-prod", "--no-verify", "--from-file", key, "--jobs", dir.file("jobs"),
                "--state-dir", dir.file("state"),
            ])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            #expect(try String(contentsOfFile: dir.file("sinks/app.key"), encoding: .utf8) == "qp-adopted-key")
        }
    }
}
