import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRemoteSinks
import RekeyRunner
import RekeyTestSupport
import RekeyVendor
import Testing

/// Whole rotations whose key lives in a real OpenBao KV v2 secret: the current key is read
/// from it, the new one written to it, and when the store fails after the vendor rotated,
/// the key waits in the spool until a later run delivers it.
@Suite struct VaultRotationTests {
    /// A QuestionPro-shaped job whose only sink, and credential, is the vault field.
    static func job(_ server: LocalStoreServer, path: String) -> Job {
        let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
        return Job(
            name: "vault-job", tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .sink("vault")],
            policy: Policy(
                every: .days(30), retry: RetrySettings(attempts: 2, base: .milliseconds(1), max: .milliseconds(2))),
            sinks: [
                SinkSpec(
                    id: "vault",
                    remote: .vaultKV(
                        VaultKVSinkSpec(
                            address: server.url, mount: "secret", path: path, field: "api_key",
                            token: .env("VAULT_TOKEN"))),
                    location: here)
            ], location: here)
    }

    /// Runs the fixture's vendor, calling `afterVendor` once the key was regenerated.
    struct HookedVendorSource: ProviderSource {
        let vendor: FakeVendor
        let afterVendor: @Sendable () -> Void

        func provider(for job: Job) -> any Provider {
            FakeVendorProvider(vendor: vendor) { [afterVendor] step in if step == "vendor-after" { afterVendor() } }
        }
    }

    @Test func aRotationReadsTheKeyFromVaultAndWritesTheNewOneBack() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("rotation")
        try admin.put(path, ["api_key": RunnerFixture.initialKey, "db_password": "unrelated"])
        let job = Self.job(server, path: path)
        let environment = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        let summary = try await f.run([job], environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .rotated, "\(summary.outcomes)")
        let stored = try admin.get(path)
        #expect(stored.fields["api_key"] as? String == f.vendor.validKey)
        #expect(stored.fields["db_password"] as? String == "unrelated")
        #expect(try await environment.spool.all().entries.isEmpty)
        let written = try await f.audit.events(AuditEventFilter(steps: [.sinkWritten]))
        #expect(written.first?.message?.contains("vault-kv") == true)
        await environment.close()
    }

    @Test func aStoreDownDuringDeliveryKeepsTheKeyInTheSpoolAndTheNextRunDeliversIt() async throws {
        guard await LocalStoreServer.openBao != nil else { return }
        let server = try await LocalStoreServer.startOpenBao()
        let f = try RunnerFixture()
        defer {
            server.stop()
            f.dir.remove()
        }
        let path = uniquePath("down")
        try VaultAdmin(server: server).put(path, ["api_key": RunnerFixture.initialKey])
        let job = Self.job(server, path: path)
        var environment = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        environment.vendors = HookedVendorSource(vendor: f.vendor) { server.stop() }
        let first = try await f.run([job], environment: environment) { $0.force = true }
        #expect(first.outcomes.first?.kind == .failed, "\(first.outcomes)")
        #expect(f.vendor.regenerateCount == 1)
        #expect(try await environment.spool.all().entries.first?.secret.revealed == f.vendor.validKey)
        await environment.close()

        // The store is back (a dev server starts empty): the next run delivers the spooled key.
        let restarted = try await LocalStoreServer.startOpenBao(port: server.port)
        defer { restarted.stop() }
        let again = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        let second = try await f.run([job], environment: again)
        #expect(second.outcomes.first?.kind == .recovered, "\(second.outcomes)")
        #expect(try VaultAdmin(server: restarted).get(path).fields["api_key"] as? String == f.vendor.validKey)
        #expect(try await again.spool.all().entries.isEmpty)
        #expect(f.vendor.regenerateCount == 1)
        await again.close()
    }

    @Test func aTokenRevokedDuringTheRotationFailsClearlyAndLosesNothing() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("expired")
        try admin.put(path, ["api_key": RunnerFixture.initialKey])
        let token = try admin.token(policies: [
            "rotator": #"path "secret/data/*" { capabilities = ["read", "create", "update"] }"#
        ])
        let job = Self.job(server, path: path)
        var environment = try f.environment(processEnvironment: ["VAULT_TOKEN": token])
        environment.vendors = HookedVendorSource(vendor: f.vendor) { try? admin.revoke(token) }
        let first = try await f.run([job], environment: environment) { $0.force = true }
        #expect(first.outcomes.first?.kind == .failed)
        let message = first.outcomes.first?.message ?? ""
        #expect(message.contains("refused the token"), "\(message)")
        #expect(!message.contains(token))
        #expect(try await environment.spool.all().entries.first?.secret.revealed == f.vendor.validKey)
        #expect(try admin.get(path).fields["api_key"] as? String == RunnerFixture.initialKey)
        await environment.close()

        // A renewed token: the next run delivers the spooled key.
        let renewed = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        let second = try await f.run([job], environment: renewed)
        #expect(second.outcomes.first?.kind == .recovered, "\(second.outcomes)")
        #expect(try admin.get(path).fields["api_key"] as? String == f.vendor.validKey)
        await renewed.close()
    }

    @Test func aTokenThatCannotWriteStopsTheJobBeforeTheVendorCall() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let admin = VaultAdmin(server: server)
        let path = uniquePath("preflight")
        try admin.put(path, ["api_key": RunnerFixture.initialKey])
        let token = try admin.token(policies: ["reader": #"path "secret/data/*" { capabilities = ["read"] }"#])
        let environment = try f.environment(processEnvironment: ["VAULT_TOKEN": token])
        let summary = try await f.run([Self.job(server, path: path)], environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.message?.contains("may not update") == true)
        #expect(f.vendor.regenerateCount == 0)
        await environment.close()
    }

    @Test func aStoreThatDoesNotAnswerOnceIsRetriedWithTheJobsPolicyInTheSameRun() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let path = uniquePath("retry")
        try VaultAdmin(server: server).put(path, ["api_key": RunnerFixture.initialKey])
        var environment = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        let writes = Counter()
        environment.sinks = FaultingSinks(inner: environment.sinks) { sink in
            writes.increment()
            guard writes.value == 1 else { return nil }
            return .remote(
                RemoteSinkFailure(
                    store: sink.path, kind: .unreachable, detail: "no answer (timed out)", isTransient: true))
        }
        let summary = try await f.run([Self.job(server, path: path)], environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .rotated, "\(summary.outcomes)")
        #expect(writes.value == 2)
        #expect(f.clock.sleeps.count == 1)
        #expect(try VaultAdmin(server: server).get(path).fields["api_key"] as? String == f.vendor.validKey)
        await environment.close()
    }

    /// Writes another value than it is given: the read-back must catch it.
    struct TamperingSinks: SinkWriter {
        let inner: any SinkWriter

        func problems(for sinks: [SinkSpec]) async -> [SinkProblem] { await inner.problems(for: sinks) }
        func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
            try await inner.write(Secret("tampered-value"), to: sink)
        }
        func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
            try await inner.write(Secret("tampered-value"), to: sink)
        }
        func read(_ sink: SinkSpec) async throws(SinkError) -> Secret { try await inner.read(sink) }
    }

    @Test func aValueThatDoesNotReadBackAsWrittenKeepsTheSpool() async throws {
        guard let server = await LocalStoreServer.openBao else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let path = uniquePath("read-back")
        try VaultAdmin(server: server).put(path, ["api_key": RunnerFixture.initialKey])
        var environment = try f.environment(processEnvironment: ["VAULT_TOKEN": LocalStoreServer.openBaoRootToken])
        environment.sinks = TamperingSinks(inner: environment.sinks)
        let summary = try await f.run([Self.job(server, path: path)], environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .failed, "\(summary.outcomes)")
        #expect(summary.outcomes.first?.message?.contains("read back after the write") == true)
        #expect(try await environment.spool.all().entries.first?.secret.revealed == f.vendor.validKey)
        await environment.close()
    }
}
