import Foundation
import RekeyDelivery
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyRemoteSinks

/// The aws-secretsmanager sink against moto's server on loopback.
@Suite struct SecretsManagerSinkTests {
    static let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
    static let environment = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret"]

    static func spec(_ server: LocalStoreServer, _ secretID: String, key: String? = nil) -> SecretsManagerSinkSpec {
        SecretsManagerSinkSpec(secretID: secretID, region: "eu-west-1", key: key, endpointURL: server.url)
    }

    static func sink(_ server: LocalStoreServer, _ secretID: String, key: String? = nil) -> SinkSpec {
        SinkSpec(id: "aws", remote: .secretsManager(spec(server, secretID, key: key)), location: here)
    }

    static func writer(environment: [String: String] = environment) -> RemoteSinkWriter {
        RemoteSinkWriter(local: LocalSinkWriter(), environment: environment)
    }

    /// Our own sink as the test's admin client (moto accepts any signature).
    static func admin(_ server: LocalStoreServer, _ secretID: String) -> SecretsManagerSink {
        SecretsManagerSink(
            spec: spec(server, secretID),
            credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: Secret("testing-secret")),
            http: StoreHTTPClient(), timeout: .seconds(10), now: { Date() })
    }

    static func create(_ server: LocalStoreServer, _ secretID: String, _ value: String) async throws {
        _ = try await admin(server, secretID).call("CreateSecret", ["Name": secretID, "SecretString": value])
    }

    static func value(_ server: LocalStoreServer, _ secretID: String, stage: String = "AWSCURRENT") async throws
        -> String?
    {
        let answer = try await admin(server, secretID).call(
            "GetSecretValue", ["SecretId": secretID, "VersionStage": stage])
        return answer["SecretString"] as? String
    }

    static func json(_ text: String?) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data((text ?? "").utf8))) as? [String: Any] ?? [:]
    }

    static func spooled(_ secret: String, issuedAt: Date = Date(timeIntervalSince1970: 1_800_000_000)) -> SpooledSecret
    {
        SpooledSecret(
            job: "acme-prod", secret: Secret(secret), fingerprint: "fp-\(secret)", issuedAt: issuedAt, expiry: nil)
    }

    @Test func aWholeSecretIsReplacedAndTheOldOneBecomesPrevious() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let id = uniquePath("whole")
        try await Self.create(server, id, "old-key")
        let writer = Self.writer()
        let sink = Self.sink(server, id)
        #expect(await writer.problems(for: [sink]).isEmpty)
        try await writer.deliver(Self.spooled("new-key"), to: sink)
        #expect(try await writer.read(sink).revealed == "new-key")
        #expect(try await Self.value(server, id) == "new-key")
        #expect(try await Self.value(server, id, stage: "AWSPREVIOUS") == "old-key")
        await writer.shutdown()
    }

    @Test func aKeyInsideAJSONSecretIsReplacedAndTheOtherKeysKept() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let id = uniquePath("json")
        try await Self.create(server, id, #"{"api_key": "old-key", "db_password": "keep", "port": 5432}"#)
        let writer = Self.writer()
        let sink = Self.sink(server, id, key: "api_key")
        #expect(await writer.problems(for: [sink]).isEmpty)
        try await writer.deliver(Self.spooled("new-key"), to: sink)
        #expect(try await writer.read(sink).revealed == "new-key")
        let stored = Self.json(try await Self.value(server, id))
        #expect(stored["api_key"] as? String == "new-key")
        #expect(stored["db_password"] as? String == "keep")
        #expect(stored["port"] as? Int == 5432)
        await writer.shutdown()
    }

    @Test func aConcurrentWriterBeforeTheStageMoveIsKeptAndTheWriteRetried() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let id = uniquePath("conflict")
        try await Self.create(server, id, #"{"api_key": "old-key", "other": "before"}"#)
        let admin = Self.admin(server, id)
        let attempts = Counter()
        var sink = SecretsManagerSink(
            spec: Self.spec(server, id, key: "api_key"),
            credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: Secret("testing-secret")),
            http: StoreHTTPClient(), timeout: .seconds(10), now: { Date() })
        sink.beforeStageMove = { attempt in
            attempts.increment()
            guard attempt == 1 else { return }
            // Another writer puts a version and makes it current, as the console would.
            _ = try? await admin.call(
                "PutSecretValue", ["SecretId": id, "SecretString": #"{"api_key": "old-key", "other": "concurrent"}"#])
        }
        try await sink.write(Secret("new-key"), origin: Self.spooled("new-key"))
        #expect(attempts.value == 2)
        let stored = Self.json(try await Self.value(server, id))
        #expect(stored["api_key"] as? String == "new-key")
        #expect(stored["other"] as? String == "concurrent")
    }

    @Test func aSecretThatDoesNotExistFailsPreflight() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let writer = Self.writer()
        let problems = await writer.problems(for: [Self.sink(server, uniquePath("missing"))])
        guard case .remote(let failure)? = problems.first?.error else {
            Issue.record("expected a remote failure, got \(problems)")
            return
        }
        #expect(failure.kind == .missing)
        #expect(failure.description.contains("Create the secret first"))
        await writer.shutdown()
    }

    @Test func aSecretStringThatIsNotJSONIsNeverEditedByKey() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let id = uniquePath("not-json")
        try await Self.create(server, id, "plain text")
        let writer = Self.writer()
        let problems = await writer.problems(for: [Self.sink(server, id, key: "api_key")])
        #expect(problems.first?.description.contains("not a JSON object") == true, "\(problems)")
        #expect(problems.first?.error.needsRecovery == true)
        await writer.shutdown()
    }

    @Test func credentialsTheStoreRefusesAreAClearErrorThatNeverShowsTheSecretKey() async throws {
        guard await LocalStoreServer.moto != nil else { return }
        let server = try await LocalStoreServer.startMoto(checkingCredentials: true)
        defer { server.stop() }
        let writer = Self.writer(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAUNKNOWN", "AWS_SECRET_ACCESS_KEY": "very-secret-key-value",
        ])
        let problems = await writer.problems(for: [Self.sink(server, "any")])
        guard case .remote(let failure)? = problems.first?.error else {
            Issue.record("expected a remote failure, got \(problems)")
            return
        }
        #expect(failure.kind == .unauthorised, "\(failure)")
        #expect(!failure.description.contains("very-secret-key-value"))
        await writer.shutdown()
    }

    @Test func noCredentialsAtAllSaysWhereTheyAreLookedForAndThatRolesAreNotSupported() async throws {
        let writer = Self.writer(environment: ["HOME": "/nonexistent"])
        let spec = SecretsManagerSinkSpec(
            secretID: "x", region: "eu-west-1", endpointURL: URL(string: "http://127.0.0.1:1")!)
        let problems = await writer.problems(for: [
            SinkSpec(id: "aws", remote: .secretsManager(spec), location: Self.here)
        ])
        let text = problems.first?.description ?? ""
        #expect(text.contains("AWS_ACCESS_KEY_ID"))
        #expect(text.contains("/nonexistent/.aws/credentials"))
        #expect(text.contains("Instance roles"))
    }

    @Test func theRequestTokenIsStableForOneDeliveryAndFreshForAnother() {
        let first = Self.spooled("k")
        let token = ClientRequestToken.make(for: first, readVersion: "v1")
        #expect(token == ClientRequestToken.make(for: first, readVersion: "v1"))
        #expect(token.count == 36)
        #expect(token != ClientRequestToken.make(for: first, readVersion: "v2"))
        #expect(token != ClientRequestToken.make(for: Self.spooled("other"), readVersion: "v1"))
        // `rekey adopt` spools the same secret anew: another issue time, another token.
        #expect(
            token
                != ClientRequestToken.make(
                    for: Self.spooled("k", issuedAt: Date(timeIntervalSince1970: 1_800_000_001)), readVersion: "v1"))
        #expect(!token.contains("k"))
    }

    @Test func aRetriedDeliveryOfTheSameSecretAddsNoVersion() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let id = uniquePath("idempotent")
        try await Self.create(server, id, "old-key")
        let writer = Self.writer()
        try await writer.deliver(Self.spooled("new-key"), to: Self.sink(server, id))
        try await writer.deliver(Self.spooled("new-key"), to: Self.sink(server, id))
        let versions = try await Self.admin(server, id).call("ListSecretVersionIds", ["SecretId": id])
        #expect((versions["Versions"] as? [Any])?.count == 2)
        await writer.shutdown()
    }
}
