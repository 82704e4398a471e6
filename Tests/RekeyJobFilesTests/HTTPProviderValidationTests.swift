import Foundation
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

/// `kind: http` is validated like every other kind, each problem at its file:line:column:
/// unknown template variables, secrets in URLs, a probe that would rotate, plain http to a
/// remote host, pointers that are not RFC 6901, two-key without id and revoke, an overlap
/// as long as the rotation interval, header values that would split a request.
@Suite struct HTTPProviderValidationTests {
    /// A valid regenerate job; `provider` replaces its provider block (indented four spaces).
    static func job(provider: String = regenerate, policy: String = "{every: 30d}", credentials: String? = nil)
        -> String
    {
        """
        name: vendor-prod
        tenant: acme
        env: prod
        provider:
        \(provider)
        credentials: \(credentials ?? "{api_key: {sink: app}}")
        policy: \(policy)
        sinks: [{id: app, kind: env-file, path: /srv/app.env, key: API_KEY}]
        """
    }

    static let regenerate = """
          kind: http
          rotation: regenerate
          issue:
            method: POST
            url: https://api.vendor.example/v2/keys/regenerate
            headers: {Authorization: "Bearer {{credentials.api_key}}"}
            body: {name: "rekey {{job.name}}", ttl_days: 30, tags: [a, "{{job.env}}"], active: true}
            secret: /data/key
          probe:
            url: https://api.vendor.example/v2/me
            headers: {Authorization: "Bearer {{secret}}"}
            works: [200]
            dead: [401, 403]
        """

    static func errors(_ text: String) throws -> [Diagnostic] { try JobFileDiagnosticsTests.errors(text) }

    static func spec(_ text: String) throws -> HTTPProviderSpec {
        let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": text])
        defer { dir.remove() }
        let job = try #require(result.jobs.first, "\(result.diagnostics)")
        guard case .http(let spec) = job.provider else { throw CancellationError() }
        return spec
    }

    @Test func aValidRegenerateJobLoadsWithItsTemplatesAndReplacedCredential() throws {
        #expect(try Self.errors(Self.job()).isEmpty)
        let spec = try Self.spec(Self.job())
        #expect(spec.rotation == .regenerate)
        #expect(spec.secret == JSONPointer("/data/key"))
        #expect(spec.replaces == "api_key")
        #expect(spec.issue.method == "POST")
        #expect(spec.probe?.dead == [401, 403])
        #expect(ProviderSpec.http(spec).replacedCredentialKey == "api_key")
        #expect(ProviderSpec.http(spec).credentialKeys == ["api_key"])
        let body = spec.issue.body?.render { "<\($0)>" }
        #expect(body == #"{"name":"rekey <job.name>","ttl_days":30,"tags":["a","<job.env>"],"active":true}"#)
    }

    @Test func anUnknownTemplateVariableIsReportedAtItsValue() throws {
        let text = Self.job(provider: Self.regenerate.replacingOccurrences(of: "{{job.name}}", with: "{{job.owner}}"))
        let errors = try Self.errors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("unknown template variable '{{job.owner}}'") == true)
        #expect(errors.first.map { "\($0.location.line):\($0.location.column)" } == "11:18")
    }

    @Test func aCredentialNotInCredentialsIsAnUnknownTemplateVariable() throws {
        let text = Self.job(
            provider: Self.regenerate.replacingOccurrences(of: "credentials.api_key", with: "credentials.api_kee"))
        let errors = try Self.errors(text)
        #expect(
            errors.contains {
                $0.message.contains("'{{credentials.api_kee}}'") && $0.hint?.contains("api_key") == true
            }, "\(errors)")
    }

    @Test func aJobWithoutCredentialsCannotSendOne() throws {
        let text = Self.job().replacingOccurrences(of: "credentials: {api_key: {sink: app}}\n", with: "")
        let errors = try Self.errors(text)
        #expect(
            errors.contains { $0.message.contains("unknown template variable '{{credentials.api_key}}'") }, "\(errors)")
    }

    @Test func aSecretInAURLIsRefused() throws {
        // The issue request may send a credential, the probe the secret it checks: not in the URL.
        for (url, variable) in [
            ("https://api.vendor.example/v2/keys/regenerate", "{{credentials.api_key}}"),
            ("https://api.vendor.example/v2/me", "{{secret}}"),
        ] {
            let provider = Self.regenerate.replacingOccurrences(of: url, with: "\(url)?key=\(variable)")
            let errors = try Self.errors(Self.job(provider: provider))
            #expect(errors.contains { $0.message.contains("is a secret in a URL") }, "\(variable): \(errors)")
            #expect(errors.allSatisfy { !$0.message.contains("Bearer") })
        }
    }

    @Test func aProbeURLEqualToTheIssueURLIsRefused() throws {
        for spelling in [
            "https://api.vendor.example/v2/keys/regenerate", "https://API.vendor.example/v2/keys/./regenerate/",
            "https://api.vendor.example/v2/keys/%72egenerate?x=1",
        ] {
            let provider = Self.regenerate.replacingOccurrences(of: "https://api.vendor.example/v2/me", with: spelling)
            let errors = try Self.errors(Self.job(provider: provider))
            #expect(errors.count == 1, "\(spelling): \(errors)")
            #expect(errors.first?.message.contains("the probe's URL is the issue URL") == true)
            #expect(errors.first?.location.line == 14)
        }
    }

    @Test func plainHTTPIsAllowedOnlyToLoopback() throws {
        let remote = Self.regenerate.replacingOccurrences(
            of: "https://api.vendor.example/v2/me", with: "http://api.vendor.example/v2/me")
        #expect(try Self.errors(Self.job(provider: remote)).contains { $0.message.contains("must use https://") })
        let local = Self.regenerate.replacingOccurrences(
            of: "https://api.vendor.example", with: "http://127.0.0.1:8080")
        #expect(try Self.errors(Self.job(provider: local)).isEmpty)
    }

    @Test func aTemplateInTheHostIsRefused() throws {
        let provider = Self.regenerate.replacingOccurrences(
            of: "https://api.vendor.example/v2/me", with: "https://{{job.tenant}}.vendor.example/v2/me")
        let errors = try Self.errors(Self.job(provider: provider))
        #expect(errors.contains { $0.message.contains("not in its host") }, "\(errors)")
    }

    @Test func aPointerThatIsNotRFC6901IsRefused() throws {
        for pointer in ["data.key", "data/key", "/data/~2key"] {
            let provider = Self.regenerate.replacingOccurrences(of: "secret: /data/key", with: "secret: \(pointer)")
            let errors = try Self.errors(Self.job(provider: provider))
            #expect(errors.count == 1, "\(pointer): \(errors)")
            #expect(errors.first?.message.contains("is not an RFC 6901 JSON Pointer") == true)
            #expect(errors.first?.location.line == 12)
        }
        let escaped = Self.regenerate.replacingOccurrences(of: "secret: /data/key", with: "secret: /a~1b/~0c/0")
        #expect(try Self.spec(Self.job(provider: escaped)).secret.tokens == ["a/b", "~c", "0"])
    }

    static let twoKey = """
          kind: http
          rotation: two-key
          issue:
            url: https://api.vendor.example/v2/keys
            headers: {Authorization: "Bearer {{credentials.api_key}}"}
            secret: /key
            id: /id
          probe:
            url: https://api.vendor.example/v2/me
            headers: {Authorization: "Bearer {{secret}}"}
          revoke:
            url: https://api.vendor.example/v2/keys/{{previous.id}}
            headers: {Authorization: "Bearer {{secret}}"}
            after: 1h
        """

    @Test func aTwoKeyRotationNeedsIDAndRevoke() throws {
        #expect(try Self.errors(Self.job(provider: Self.twoKey)).isEmpty)
        let spec = try Self.spec(Self.job(provider: Self.twoKey))
        #expect(spec.rotation == .twoKey)
        #expect(spec.id == JSONPointer("/id"))
        #expect(spec.revoke?.after == RekeyDuration(seconds: 3600))
        #expect(ProviderSpec.http(spec).replacedCredentialKey == "api_key")
        let noID = Self.twoKey.replacingOccurrences(of: "    id: /id\n", with: "")
        #expect(try Self.errors(Self.job(provider: noID)).contains { $0.message.contains("needs 'issue.id'") })
        let noRevoke = Self.twoKey.components(separatedBy: "\n  revoke:")[0]
        #expect(
            try Self.errors(Self.job(provider: noRevoke)).contains { $0.message.contains("needs 'revoke'") })
    }

    @Test func aTwoKeyJobMayNameThePreviousIDItsFirstRotationRevokes() throws {
        let text = Self.job(provider: Self.twoKey) + "\nprevious_id: key_1"
        #expect(try Self.errors(text).isEmpty)
        let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": text])
        defer { dir.remove() }
        #expect(result.jobs.first?.previousID == "key_1")
    }

    @Test(arguments: ["key/1", "key?1", "key#1", "key%2F1", "a..b", "\"key\\r\\n1\"", "\"key\\01\""])
    func aPreviousIDThatCouldChangeTheRevokeURLIsRefused(id: String) throws {
        let errors = try Self.errors(Self.job(provider: Self.twoKey) + "\nprevious_id: \(id)")
        #expect(errors.count == 1, "\(id): \(errors)")
        #expect(errors.first?.message.contains("'previous_id' may not be empty or hold") == true)
        #expect(errors.first?.location.line == 22)
    }

    @Test func aPreviousIDIsRefusedForARotationThatRevokesNothing() throws {
        let errors = try Self.errors(Self.job() + "\nprevious_id: key_1")
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("'previous_id' is for rotation: two-key only") == true)
    }

    @Test func anOverlapAsLongAsTheRotationIntervalIsRefused() throws {
        let errors = try Self.errors(Self.job(provider: Self.twoKey, policy: "{every: 1h}"))
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("'after' (1h) must be shorter than 'policy.every' (1h)") == true)
        #expect(errors.first?.location.line == 18)
    }

    @Test func aHeaderValueWithALineBreakIsRefused() throws {
        let provider = Self.regenerate.replacingOccurrences(
            of: #"{Authorization: "Bearer {{credentials.api_key}}"}"#,
            with: #"{Authorization: "Bearer {{credentials.api_key}}\r\nX-Evil: 1"}"#)
        let errors = try Self.errors(Self.job(provider: provider))
        #expect(errors.contains { $0.message.contains("line break or NUL") }, "\(errors)")
    }

    @Test func aLoginReplacesNothingAndARegenerateMustSayWhichCredentialItReplaces() throws {
        let login = """
              kind: http
              rotation: login
              issue:
                url: https://auth.vendor.example/oauth/token
                body: {client_id: "{{credentials.client_id}}", client_secret: "{{credentials.client_secret}}"}
                secret: /access_token
                expiry: /expires_at
            """
        let credentials = "{client_id: {env: CID}, client_secret: {env: CSECRET}}"
        let text = Self.job(provider: login, policy: "{}", credentials: credentials)
        #expect(try Self.errors(text).isEmpty)
        let spec = try Self.spec(text)
        #expect(ProviderSpec.http(spec).replacedCredentialKey == nil)
        // The same request as a regenerate sends two credentials: which one does it replace?
        let regenerate = login.replacingOccurrences(of: "rotation: login", with: "rotation: regenerate")
        let errors = try Self.errors(Self.job(provider: regenerate, credentials: credentials))
        #expect(errors.contains { $0.message.contains("say which one the rotation replaces") }, "\(errors)")
    }

    @Test func theReplacedCredentialMustBeWhereTheNewKeyIsDelivered() throws {
        let errors = try Self.errors(Self.job(credentials: "{api_key: {env: VENDOR_KEY}}"))
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("cannot come from {env: VENDOR_KEY}") == true)
    }

    @Test func theIssueRequestCannotSendTheNewSecretOrThePreviousID() throws {
        let provider = Self.regenerate.replacingOccurrences(
            of: "rekey {{job.name}}", with: "{{secret}} {{previous.id}}")
        let errors = try Self.errors(Self.job(provider: provider))
        #expect(errors.contains { $0.message.contains("'{{secret}}' is the new credential") }, "\(errors)")
        #expect(errors.contains { $0.message.contains("'{{previous.id}}' is known only to the revoke") })
    }

    @Test func aRegenerateWithoutAProbeIsRefused() throws {
        let provider = Self.regenerate.components(separatedBy: "\n  probe:")[0]
        let errors = try Self.errors(Self.job(provider: provider))
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("a 'regenerate' rotation needs 'probe'") == true)
    }

    @Test func aProbeThatNeverSendsTheSecretIsRefused() throws {
        let provider = Self.regenerate.replacingOccurrences(of: #""Bearer {{secret}}""#, with: #""Bearer x""#)
        #expect(
            try Self.errors(Self.job(provider: provider)).contains { $0.message.contains("never sends {{secret}}") })
    }

    @Test func providerVarsFillTemplatesAndAPathJoinsTheBaseURL() throws {
        let provider = """
              kind: http
              rotation: regenerate
              base_url: https://api.vendor.example
              vars: {account: acct-7}
              issue:
                url: /v2/accounts/{{provider.account}}/keys
                headers: {X-Key: "{{credentials.api_key}}"}
                secret: /key
              probe:
                url: /v2/accounts/{{provider.account}}/me
                headers: {X-Key: "{{secret}}"}
            """
        let spec = try Self.spec(Self.job(provider: provider))
        #expect(spec.issue.url.text == "https://api.vendor.example/v2/accounts/{{provider.account}}/keys")
        #expect(spec.vars == ["account": "acct-7"])
        let unknown = provider.replacingOccurrences(of: "provider.account", with: "provider.acount")
        #expect(try Self.errors(Self.job(provider: unknown)).contains { $0.message.contains("'{{provider.acount}}'") })
    }

    /// The README's http examples are complete job files that validate.
    @Test func theReadmeExamplesValidate() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "#### Any vendor: the http kind").dropFirst().first)
            .components(separatedBy: "\n#### ")[0]
        let blocks = section.components(separatedBy: "```yaml\n").dropFirst().map {
            $0.components(separatedBy: "```")[0]
        }
        #expect(blocks.count == 3)
        for block in blocks {
            let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": block])
            dir.remove()
            #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
            #expect(result.jobs.first?.kind == .http)
        }
        let twoKey = try #require(blocks.first { $0.contains("rotation: two-key") })
        let (result, dir) = try JobFileDiagnosticsTests.load(["job.yaml": twoKey])
        dir.remove()
        #expect(result.jobs.first?.previousID == "key_7")
        #expect(result.jobs.first?.provider.twoKeyRevoke?.after == .hours(1))
    }
}
