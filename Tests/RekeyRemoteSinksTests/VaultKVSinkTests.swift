import Foundation
import RekeyDelivery
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyRemoteSinks

/// The vault-kv sink against a real OpenBao dev server on loopback.
@Suite struct VaultKVSinkTests {
    static let here = SourceLocation(file: "test.yaml", line: 1, column: 1)

    static func sink(_ server: LocalStoreServer, path: String, field: String = "api_key") -> SinkSpec {
        SinkSpec(
            id: "vault",
            remote: .vaultKV(
                VaultKVSinkSpec(
                    address: server.url, mount: "secret", path: path, field: field, token: .env("VAULT_TOKEN"))),
            location: here)
    }

    static func writer(token: String = LocalStoreServer.openBaoRootToken) -> RemoteSinkWriter {
        RemoteSinkWriter(local: LocalSinkWriter(), environment: ["VAULT_TOKEN": token])
    }

    static func vaultSink(
        _ server: LocalStoreServer, path: String, beforeWrite: @escaping @Sendable (Int) async -> Void
    )
        -> VaultKVSink
    {
        guard case .vaultKV(let spec)? = sink(server, path: path).remote else { fatalError() }
        var made = VaultKVSink(
            spec: spec, token: Secret(LocalStoreServer.openBaoRootToken), http: StoreHTTPClient(), timeout: .seconds(10)
        )
        made.beforeWrite = beforeWrite
        return made
    }

    @Test func aWriteReplacesTheFieldAndKeepsTheOthers() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("round-trip")
        try admin.put(path, ["api_key": "old-key", "other": "keep me", "port": 5432])
        let writer = Self.writer()
        let sink = Self.sink(server, path: path)
        #expect(await writer.problems(for: [sink]).isEmpty)
        try await writer.write(Secret("new-key-1"), to: sink)
        #expect(try await writer.read(sink).revealed == "new-key-1")
        let stored = try admin.get(path)
        #expect(stored.version == 2)
        #expect(stored.fields["api_key"] as? String == "new-key-1")
        #expect(stored.fields["other"] as? String == "keep me")
        #expect(stored.fields["port"] as? Int == 5432)
        await writer.shutdown()
    }

    @Test func aSecretThatDoesNotExistYetIsCreated() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let path = uniquePath("new")
        let writer = Self.writer()
        let sink = Self.sink(server, path: path)
        #expect(await writer.problems(for: [sink]).isEmpty)
        try await writer.write(Secret("first"), to: sink)
        #expect(try VaultAdmin(server: server).get(path).version == 1)
        #expect(try await writer.read(sink).revealed == "first")
        await writer.shutdown()
    }

    @Test func aConcurrentWriterBetweenReadAndWriteIsKeptAndTheWriteRetried() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("cas")
        try admin.put(path, ["api_key": "old-key", "other": "before"])
        let attempts = Counter()
        let sink = Self.vaultSink(server, path: path) { attempt in
            attempts.increment()
            if attempt == 1 { _ = try? admin.put(path, ["api_key": "old-key", "other": "concurrent"]) }
        }
        try await sink.write(Secret("new-key"))
        #expect(attempts.value == 2)
        let stored = try admin.get(path)
        #expect(stored.version == 3)
        #expect(stored.fields["api_key"] as? String == "new-key")
        #expect(stored.fields["other"] as? String == "concurrent")
    }

    @Test func aWriterThatAlwaysWinsTheRaceMakesAConflictAfterFiveRetries() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("cas-lost")
        try admin.put(path, ["api_key": "old-key"])
        let attempts = Counter()
        let sink = Self.vaultSink(server, path: path) { attempt in
            attempts.increment()
            _ = try? admin.put(path, ["api_key": "theirs-\(attempt)"])
        }
        await #expect {
            try await sink.write(Secret("new-key"))
        } throws: { error in
            guard case .remote(let failure) = error as? SinkError else { return false }
            return failure.kind == .conflict && !failure.isTransient
        }
        #expect(attempts.value == VaultKVSink.maximumConflictRetries + 1)
        #expect(try admin.get(path).fields["api_key"] as? String == "theirs-6")
    }

    @Test func aTokenThatMayOnlyReadFailsPreflight() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("read-only")
        try admin.put(path, ["api_key": "old-key"])
        let token = try admin.token(policies: ["read-only": #"path "secret/data/*" { capabilities = ["read"] }"#])
        let writer = Self.writer(token: token)
        let problems = await writer.problems(for: [Self.sink(server, path: path)])
        #expect(problems.count == 1)
        guard case .remote(let failure)? = problems.first?.error else {
            Issue.record("expected a remote failure, got \(problems)")
            return
        }
        #expect(failure.kind == .unauthorised)
        #expect(failure.description.contains("may not update"))
        #expect(!failure.description.contains(token))
        await writer.shutdown()
    }

    @Test func aRevokedTokenIsAClearErrorThatNeverShowsTheToken() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("revoked")
        try admin.put(path, ["api_key": "old-key"])
        let token = try admin.token(policies: [
            "writer": #"path "secret/data/*" { capabilities = ["read", "create", "update"] }"#
        ])
        try admin.revoke(token)
        let writer = Self.writer(token: token)
        await #expect {
            try await writer.write(Secret("new-key"), to: Self.sink(server, path: path))
        } throws: { error in
            guard case .remote(let failure) = error as? SinkError else { return false }
            return failure.kind == .unauthorised && failure.description.contains("refused the token")
                && !failure.description.contains(token)
        }
        #expect(try admin.get(path).fields["api_key"] as? String == "old-key")
        await writer.shutdown()
    }

    /// A token whose TTL ran out (OpenBao's own expiry, not a revoke): the same clear
    /// refusal, the old value kept. The wait is OpenBao's clock, bounded at 20 s.
    @Test func anExpiredTokenIsAClearErrorAndTheOldValueStays() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("expired")
        try admin.put(path, ["api_key": "old-key"])
        let token = try admin.token(
            policies: ["expiring": #"path "secret/data/*" { capabilities = ["read", "create", "update"] }"#],
            ttl: "2s")
        let deadline = Date().addingTimeInterval(20)
        while try exchange("GET", admin.url("auth/token/lookup-self"), headers: ["X-Vault-Token": token]).status
            == 200, Date() < deadline
        {
            try await Task.sleep(for: .milliseconds(250))
        }
        let writer = Self.writer(token: token)
        await #expect {
            try await writer.write(Secret("new-key"), to: Self.sink(server, path: path))
        } throws: { error in
            guard case .remote(let failure) = error as? SinkError else { return false }
            return failure.kind == .unauthorised && failure.description.contains("refused the token")
                && !failure.description.contains(token)
        }
        #expect(try admin.get(path).fields["api_key"] as? String == "old-key")
        await writer.shutdown()
    }

    @Test func aStoreThatDoesNotAnswerIsATransientPreflightProblem() async throws {
        let port = LocalStoreServer.freePort()
        let spec = VaultKVSinkSpec(
            address: URL(string: "http://127.0.0.1:\(port)")!, mount: "secret", path: "app", field: "api_key",
            token: .env("VAULT_TOKEN"))
        let writer = Self.writer()
        let problems = await writer.problems(for: [SinkSpec(id: "vault", remote: .vaultKV(spec), location: Self.here)])
        guard case .remote(let failure)? = problems.first?.error else {
            Issue.record("expected a remote failure, got \(problems)")
            return
        }
        #expect(failure.kind == .unreachable)
        #expect(failure.isTransient)
        await writer.shutdown()
    }

    @Test func aMissingTokenVariableIsAConfigurationProblem() async throws {
        let spec = VaultKVSinkSpec(
            address: URL(string: "http://127.0.0.1:1")!, mount: "secret", path: "app", field: "api_key",
            token: .env("VAULT_TOKEN"))
        let writer = RemoteSinkWriter(local: LocalSinkWriter(), environment: [:])
        let problems = await writer.problems(for: [SinkSpec(id: "vault", remote: .vaultKV(spec), location: Self.here)])
        #expect(problems.first?.description.contains("VAULT_TOKEN is not set") == true)
    }

    @Test func aFieldThatIsNotAStringIsNeverReplaced() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("not-string")
        try admin.put(path, ["api_key": ["nested": true]])
        let writer = Self.writer()
        let problems = await writer.problems(for: [Self.sink(server, path: path)])
        #expect(problems.first?.description.contains("is not a string") == true)
        await writer.shutdown()
    }
}

/// A thread-safe count for closures the sink calls.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Vault over TLS: the certificate is verified, against the sink's `ca_file` when it has one.
@Suite struct VaultTLSTests {
    @Test func theCAFileIsTrustedAndNothingElseIs() async throws {
        guard await LocalStoreServer.openBao != nil else { return }
        let dir = try TemporaryDirectory()
        let server = try await LocalStoreServer.startOpenBaoTLS(certificateDirectory: dir.path)
        defer {
            server.stop()
            dir.remove()
        }
        #expect(server.url.scheme == "https")
        func sink(caFile: String?) -> SinkSpec {
            SinkSpec(
                id: "vault",
                remote: .vaultKV(
                    VaultKVSinkSpec(
                        address: server.url, mount: "secret", path: "tls", field: "api_key", token: .env("VAULT_TOKEN"),
                        caFile: caFile)), location: VaultKVSinkTests.here)
        }
        let writer = VaultKVSinkTests.writer()
        let trusted = sink(caFile: dir.file("vault-ca.pem"))
        #expect(await writer.problems(for: [trusted]).isEmpty)
        try await writer.write(Secret("over-tls"), to: trusted)
        #expect(try await writer.read(trusted).revealed == "over-tls")
        // The system's roots do not know the dev CA: no answer is taken from that server.
        let problems = await writer.problems(for: [sink(caFile: nil)])
        guard case .remote(let failure)? = problems.first?.error else {
            Issue.record("expected a remote failure, got \(problems)")
            return
        }
        #expect(failure.kind == .unreachable, "\(failure)")
        #expect(failure.description.contains("TLS"), "\(failure)")
        await writer.shutdown()
    }
}
