import Foundation
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

/// `vault-kv` and `aws-secretsmanager` sinks: every field checked at its file:line:col.
@Suite struct RemoteSinkValidationTests {
    static func job(sink: String, credential: String = "{sink: store}") -> String {
        """
        name: acme-prod
        tenant: acme
        env: prod
        provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
        credentials: {api_key: \(credential)}
        policy: {every: 30d}
        sinks:
          - \(sink)

        """
    }

    static let vault =
        "{id: store, kind: vault-kv, address: \"https://vault.example:8200\", mount: secret, path: team/app, field: api_key, token: {env: VAULT_TOKEN}}"
    static let aws =
        "{id: store, kind: aws-secretsmanager, secret_id: prod/app, region: eu-west-1, key: api_key}"

    /// The errors of `text`, less the ones that follow from a sink refused (`{sink: store}`
    /// then names no sink).
    static func errors(_ text: String) throws -> [Diagnostic] {
        try JobFileDiagnosticsTests.errors(text).filter { !$0.message.contains("names no sink of this job") }
    }

    static func load(_ text: String) throws -> JobLoadResult {
        let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": text])
        dir.remove()
        return result
    }

    @Test func aVaultSinkLoadsAndItsFieldIsACredentialSource() throws {
        let result = try Self.load(Self.job(sink: Self.vault))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let sink = try #require(result.jobs.first?.sinks.first)
        #expect(sink.kind == .vaultKV)
        #expect(sink.path == "https://vault.example:8200/v1/secret/data/team/app#api_key")
        guard case .vaultKV(let spec)? = sink.remote else {
            Issue.record("no vault settings")
            return
        }
        #expect(spec.token == .env("VAULT_TOKEN"))
        #expect(result.jobs.first?.credentials["api_key"] == .sink("store"))
    }

    @Test func anAWSSinkLoads() throws {
        let result = try Self.load(Self.job(sink: Self.aws))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let sink = try #require(result.jobs.first?.sinks.first)
        #expect(sink.kind == .awsSecretsManager)
        #expect(
            sink.remote
                == .secretsManager(SecretsManagerSinkSpec(secretID: "prod/app", region: "eu-west-1", key: "api_key")))
    }

    @Test func plainHTTPIsRefusedExceptToLoopback() throws {
        let remote = try Self.errors(
            Self.job(
                sink: Self.vault.replacingOccurrences(
                    of: "https://vault.example:8200", with: "http://vault.example:8200")))
        #expect(remote.count == 1)
        #expect(remote.first?.message.contains("plain http is allowed only to a loopback host") == true)
        #expect("\(remote.first!.location.line):\(remote.first!.location.column)" == "8:42")
        let loopback = Self.vault.replacingOccurrences(of: "https://vault.example:8200", with: "http://127.0.0.1:8200")
        #expect(try Self.errors(Self.job(sink: loopback)).isEmpty)
        let awsRemote = Self.aws.replacingOccurrences(of: "}", with: ", endpoint_url: \"http://moto.example:5000\"}")
        #expect(try Self.errors(Self.job(sink: awsRemote)).count == 1)
    }

    @Test func theTokenIsAReferenceNeverAnInlineValue() throws {
        let inline = try Self.errors(
            Self.job(sink: Self.vault.replacingOccurrences(of: "{env: VAULT_TOKEN}", with: "hvs.s3cret")))
        #expect(inline.count == 1)
        #expect(inline.first?.message.contains("never the token itself") == true)
        #expect(inline.first?.hint?.contains("{sink:") == false)
        #expect(inline.first?.message.contains("hvs.s3cret") == false)
        let fromSink = try Self.errors(
            Self.job(sink: Self.vault.replacingOccurrences(of: "{env: VAULT_TOKEN}", with: "{sink: store}")))
        #expect(fromSink.count == 1, "\(fromSink)")
        #expect(fromSink.first?.message.contains("cannot come from a sink") == true)
        let missing = try Self.errors(
            Self.job(sink: Self.vault.replacingOccurrences(of: ", token: {env: VAULT_TOKEN}", with: "")))
        #expect(missing.first?.message.contains("needs 'token'") == true)
    }

    @Test func keysOfAnotherKindAndBadValuesAreEachReported() throws {
        let errors = try Self.errors(
            Self.job(
                sink:
                    "{id: store, kind: vault-kv, address: \"https://v.example\", mount: /secret, path: \"a/../b\", field: api_key, token: {env: T}, mode: \"0600\", region: x}"
            ))
        let messages = errors.map(\.message)
        #expect(messages.contains { $0.contains("'mode' is not a key of a vault-kv sink") }, "\(messages)")
        #expect(messages.contains { $0.contains("'region' is not a key of a vault-kv sink") })
        #expect(messages.contains { $0.contains("'mount' must be segments") })
        #expect(messages.contains { $0.contains("'path' must be segments") })
        let aws = try Self.errors(
            Self.job(sink: "{id: store, kind: aws-secretsmanager, secret_id: s, region: Europe, field: f}"))
        #expect(aws.map(\.message).contains { $0.contains("not an AWS region name") }, "\(aws)")
        #expect(aws.map(\.message).contains { $0.contains("'field' is not a key of a aws-secretsmanager sink") })
        let file = try Self.errors(
            Self.job(sink: "{id: store, kind: file, path: /srv/k, secret_id: x}", credential: "{sink: store}"))
        #expect(file.map(\.message).contains { $0.contains("'secret_id' is not a key of a file sink") }, "\(file)")
    }

    @Test func theCAFileIsForHTTPSOnly() throws {
        let errors = try Self.errors(
            Self.job(
                sink: Self.vault.replacingOccurrences(of: "https://vault.example:8200", with: "http://localhost:8200")
                    .replacingOccurrences(of: "}}", with: "}, ca_file: /etc/ssl/vault-ca.pem}")))
        #expect(errors.first?.message.contains("'ca_file' is for an https address") == true, "\(errors)")
    }

    @Test func twoJobsWritingOneVaultFieldAreRefused() throws {
        let second = Self.job(sink: Self.vault).replacingOccurrences(of: "name: acme-prod", with: "name: other")
        let (result, dir) = try JobFileDiagnosticsTests.load(["a.yaml": Self.job(sink: Self.vault), "b.yaml": second])
        defer { dir.remove() }
        #expect(result.diagnostics.contains { $0.message.contains("as does sink 'store'") }, "\(result.diagnostics)")
    }
}
