import Foundation
import RekeyModel
import RekeyReporting
import Testing

/// `plan` names every sink of a job with its kind, so a job that writes to Vault or AWS
/// says so before anything runs.
@Suite struct PlanSinkKindTests {
    @Test func everySinkIsListedWithItsKind() throws {
        let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
        let vault = VaultKVSinkSpec(
            address: URL(string: "https://vault.example")!, mount: "secret", path: "app", field: "api_key",
            token: .env("VAULT_TOKEN"))
        let job = Job(
            name: "acme-prod", tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: ["api_key": .sink("vault")], policy: Policy(every: .days(30)),
            sinks: [
                SinkSpec(id: "vault", remote: .vaultKV(vault), location: here),
                SinkSpec(
                    id: "aws",
                    remote: .secretsManager(SecretsManagerSinkSpec(secretID: "prod/app", region: "eu-west-1")),
                    location: here),
                SinkSpec(id: "app", kind: .envFile, path: "/srv/app.env", key: "API_KEY", location: here),
            ], location: here)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let entries = Plan.build(jobs: [job], histories: [:], now: now)
        #expect(entries.first?.sinks == ["vault (vault-kv)", "aws (aws-secretsmanager)", "app (env-file)"])
        let table = Plan.table(entries, now: now)
        #expect(table.contains("SINKS"))
        #expect(table.contains("vault (vault-kv), aws (aws-secretsmanager), app (env-file)"))
        #expect(try Plan.json(entries).contains(#""sinks""#))
    }
}
