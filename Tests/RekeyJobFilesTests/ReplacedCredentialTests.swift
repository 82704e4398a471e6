import Foundation
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

/// A regenerate replaces the job's own credential, so the new key must land where the
/// next run reads it: a sink, or a `{file:}` that is also a sink.
@Suite struct ReplacedCredentialTests {
    static func questionPro(credential: String, extraSink: String = "") -> String {
        JobFileDiagnosticsTests.valid.replacingOccurrences(of: "{sink: app}", with: credential)
            .replacingOccurrences(of: "key: API_KEY}]", with: "key: API_KEY}\(extraSink)]")
    }

    @Test func anEnvironmentVariableCannotHoldARegeneratedKey() throws {
        let errors = try JobFileDiagnosticsTests.errors(Self.questionPro(credential: "{env: QP_KEY}"))
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.contains("{env: QP_KEY}"))
        #expect(error.message.contains("regenerate"))
        #expect(error.hint?.contains("{sink: app}") == true)
        #expect("\(error.location.line):\(error.location.column)" == "5:24")
    }

    @Test func aFileThatIsNoSinkCannotHoldARegeneratedKey() throws {
        let errors = try JobFileDiagnosticsTests.errors(Self.questionPro(credential: "{file: /srv/current.key}"))
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("is not one of this job's sinks") == true, "\(errors)")
    }

    @Test func aFileThatIsAlsoAFileSinkIsAcceptedAfterResolvingRelativePaths() throws {
        let text = Self.questionPro(
            credential: "{file: ../keys/./app.key}", extraSink: ", {id: key, kind: file, path: ../keys/app.key}")
        #expect(try JobFileDiagnosticsTests.errors(text).isEmpty)
    }

    @Test func aFileThatIsAnEnvFileSinkIsRefusedInFavourOfItsSinkID() throws {
        let errors = try JobFileDiagnosticsTests.errors(Self.questionPro(credential: "{file: /srv/app.env}"))
        #expect(errors.count == 1)
        #expect(errors.first?.hint?.contains("{sink: app}") == true, "\(errors)")
    }

    @Test func anyReferenceKindIsAcceptedAsASink() throws {
        #expect(try JobFileDiagnosticsTests.errors(JobFileDiagnosticsTests.valid).isEmpty)
    }

    @Test func loginInputsOfQrveyKindsMayStayInTheEnvironmentOrAFile() throws {
        for credential in ["{env: QRVEY_KEY}", "{file: /etc/rekey/qrvey.key}"] {
            let text = """
                name: q
                tenant: a
                env: p
                provider: {kind: qrvey.composer-token, base_url: "https://q.example", user_id: u, app_id: a}
                credentials: {api_key: \(credential)}
                policy: {every: 1d}
                sinks: [{id: t, kind: file, path: /srv/t}]
                """
            #expect(try JobFileDiagnosticsTests.errors(text).isEmpty, "\(credential)")
        }
    }
}
