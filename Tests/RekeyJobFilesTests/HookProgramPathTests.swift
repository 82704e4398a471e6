import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// Hooks run from `/`, so a relative `argv[0]` that resolves in rekey's working
/// directory at validation would fail after the key rotated.
@Suite struct HookProgramPathTests {
    @Test func aRelativeHookProgramIsAnErrorAtItsOwnPosition() throws {
        let text =
            JobFileDiagnosticsTests.valid
            + "hooks: [{argv: [systemctl, reload, app]}]\non_failure:\n  - argv: [./notify.sh, failed]\n"
        let errors = try JobFileDiagnosticsTests.errors(text)
        let located = errors.filter { $0.message.contains("absolute") }.map {
            "\($0.location.line):\($0.location.column)"
        }
        #expect(located.sorted() == ["10:12", "8:17"], "\(errors)")
        #expect(errors.allSatisfy { $0.hint?.contains("/usr/bin/") == true })
    }

    @Test func anAbsoluteHookProgramIsAccepted() throws {
        let text = JobFileDiagnosticsTests.valid + "hooks: [{argv: [/usr/bin/systemctl, reload, app]}]\n"
        #expect(try JobFileDiagnosticsTests.errors(text).isEmpty)
    }

    @Test func aRelativeOnFailureProgramInRekeyYamlIsAnErrorAtItsPosition() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("rekey.yaml", "on_failure: [{argv: [notify, rekey]}]\n")
        let (config, problems) = GlobalConfig.load(path: path)
        #expect(config == nil)
        let problem = try #require(problems.first { $0.message.contains("absolute") })
        #expect(problem.location.description == "\(path):1:22")
    }
}
