import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyRemoteSinks
import RekeyRunner
import RekeyTestSupport
import RekeyVendor
import Testing

/// Whole rotations whose key lives in one key of a JSON secret in moto's Secrets Manager.
@Suite struct SecretsManagerRotationTests {
    static let awsEnvironment = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret"]

    static func job(_ server: LocalStoreServer, secretID: String) -> Job {
        let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
        return Job(
            name: "aws-job", tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .sink("aws")],
            policy: Policy(
                every: .days(30), retry: RetrySettings(attempts: 2, base: .milliseconds(1), max: .milliseconds(2))),
            sinks: [
                SinkSpec(
                    id: "aws",
                    remote: .secretsManager(
                        SecretsManagerSinkSpec(
                            secretID: secretID, region: "eu-west-1", key: "api_key", endpointURL: server.url)),
                    location: here)
            ], location: here)
    }

    static func seed(_ server: LocalStoreServer, _ secretID: String) async throws {
        try await SecretsManagerSinkTests.create(
            server, secretID, #"{"api_key": "\#(RunnerFixture.initialKey)", "db_password": "unrelated"}"#)
    }

    @Test func aRotationReadsTheKeyFromTheSecretAndMakesTheNewOneCurrent() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let id = uniquePath("rotation")
        try await Self.seed(server, id)
        let environment = try f.environment(processEnvironment: Self.awsEnvironment)
        let summary = try await f.run([Self.job(server, secretID: id)], environment: environment) { $0.force = true }
        #expect(summary.outcomes.first?.kind == .rotated, "\(summary.outcomes)")
        let current = SecretsManagerSinkTests.json(try await SecretsManagerSinkTests.value(server, id))
        #expect(current["api_key"] as? String == f.vendor.validKey)
        #expect(current["db_password"] as? String == "unrelated")
        let previous = SecretsManagerSinkTests.json(
            try await SecretsManagerSinkTests.value(server, id, stage: "AWSPREVIOUS"))
        #expect(previous["api_key"] as? String == RunnerFixture.initialKey)
        #expect(try await environment.spool.all().entries.isEmpty)
        await environment.close()
    }

    @Test func aStoreDownDuringDeliveryKeepsTheKeyInTheSpoolAndTheNextRunDeliversIt() async throws {
        guard await LocalStoreServer.moto != nil else { return }
        let server = try await LocalStoreServer.startMoto()
        let f = try RunnerFixture()
        defer {
            server.stop()
            f.dir.remove()
        }
        let id = uniquePath("down")
        try await Self.seed(server, id)
        let job = Self.job(server, secretID: id)
        var environment = try f.environment(processEnvironment: Self.awsEnvironment)
        environment.vendors = VaultRotationTests.HookedVendorSource(vendor: f.vendor) { server.stop() }
        let first = try await f.run([job], environment: environment) { $0.force = true }
        #expect(first.outcomes.first?.kind == .failed, "\(first.outcomes)")
        #expect(first.outcomes.first?.message?.contains("no answer") == true, "\(first.outcomes)")
        #expect(try await environment.spool.all().entries.first?.secret.revealed == f.vendor.validKey)
        await environment.close()

        // Back (moto starts empty: the secret is made again as it was).
        let restarted = try await LocalStoreServer.startMoto(port: server.port)
        defer { restarted.stop() }
        try await Self.seed(restarted, id)
        let again = try f.environment(processEnvironment: Self.awsEnvironment)
        let second = try await f.run([job], environment: again)
        #expect(second.outcomes.first?.kind == .recovered, "\(second.outcomes)")
        let current = SecretsManagerSinkTests.json(try await SecretsManagerSinkTests.value(restarted, id))
        #expect(current["api_key"] as? String == f.vendor.validKey)
        #expect(f.vendor.regenerateCount == 1)
        await again.close()
    }

    @Test func aMissingSecretStopsTheJobBeforeTheVendorCall() async throws {
        guard let server = await LocalStoreServer.moto else { return }
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let environment = try f.environment(processEnvironment: Self.awsEnvironment)
        let summary = try await f.run([Self.job(server, secretID: uniquePath("absent"))], environment: environment) {
            $0.force = true
        }
        #expect(summary.outcomes.first?.kind == .failed)
        #expect(summary.outcomes.first?.message?.contains("does not exist") == true, "\(summary.outcomes)")
        #expect(f.vendor.regenerateCount == 0)
        await environment.close()
    }
}
