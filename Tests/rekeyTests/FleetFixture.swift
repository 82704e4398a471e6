import Foundation
import RekeyTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The files of a fleet for the end-to-end fleet suites: QuestionPro jobs of a `rekey sandbox`
/// process (which outlives every killed run) whose only sink and credential is a real OpenBao
/// KV secret, so any host may take them; rekey.yaml with the fleet key and a 2 s lease; a state
/// directory per host.
final class FleetFixture: Sendable {
    let dir: TemporaryDirectory
    let sandbox: SandboxProcess
    let vault: LocalStoreServer
    let prefix: String
    let jobCount: Int

    /// `retryTimeout`: the per-attempt timeout; a regenerate starts only with twice it left
    /// on the 2 s lease.
    init(vault: LocalStoreServer, jobCount: Int, sandboxLatency: String, retryTimeout: String = "800ms") throws {
        self.vault = vault
        self.jobCount = jobCount
        dir = try TemporaryDirectory(prefix: "rekey-fleet-run")
        sandbox = try SandboxProcess(arguments: ["--accounts", "\(jobCount)", "--latency", sandboxLatency])
        prefix = "fleet-" + UUID().uuidString.prefix(8).lowercased()
        var yaml = """
            defaults:
              tenant: acme
              provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString)}
              policy:
                every: 30d
                retry: {attempts: 3, base: 20ms, max: 100ms, timeout: \(retryTimeout)}
            jobs:

            """
        for (index, account) in sandbox.accounts.enumerated() {
            try Self.vaultPut(vault, path: "\(prefix)/job-\(index)", key: account.key)
            yaml += """
                  - name: job-\(index)
                    env: env-\(index)
                    provider: {organization_id: "\(account.organization)"}
                    credentials: {api_key: {sink: vault}}
                    sinks:
                      - {id: vault, kind: vault-kv, address: "\(vault.url.absoluteString)", mount: secret, path: \(prefix)/job-\(index), field: api_key, token: {env: VAULT_TOKEN}}

                """
        }
        try dir.write("jobs/fleet.yaml", yaml)
        let key = try dir.write("fleet.key", String(repeating: "k", count: 40))
        chmod(key, 0o600)
        try dir.write("rekey.yaml", "fleet:\n  key: {file: fleet.key}\n  lease: 2s\n")
    }

    /// `init`, off the cooperative pool: it starts the sandbox and writes every vault secret,
    /// waiting on each.
    static func make(vault: LocalStoreServer, jobCount: Int, sandboxLatency: String, retryTimeout: String = "800ms")
        async throws -> FleetFixture
    {
        try await OffPool.run {
            try FleetFixture(
                vault: vault, jobCount: jobCount, sandboxLatency: sandboxLatency, retryTimeout: retryTimeout)
        }
    }

    /// The job's vault value, off the cooperative pool.
    func vaultValue(_ index: Int) async throws -> String? {
        try await OffPool.run { try self.vaultKey(index) }
    }

    var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["VAULT_TOKEN": LocalStoreServer.openBaoRootToken]) { $1 }
    }

    /// `command` as host `host`, in the state directory `state` (by default `state-HOST`).
    func arguments(_ command: [String], db: String, host: String, state: String? = nil) -> [String] {
        command + [
            "--db", db, "--host", host, "--jobs", dir.file("jobs"), "--state-dir", dir.file(state ?? "state-\(host)"),
        ]
    }

    /// The value of job `index`'s vault field now.
    func vaultKey(_ index: Int) throws -> String? {
        let data = try Self.vaultRequest(vault, "GET", path: "\(prefix)/job-\(index)", body: nil)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let inner = (object?["data"] as? [String: Any])?["data"] as? [String: Any]
        return inner?["api_key"] as? String
    }

    static func vaultPut(_ vault: LocalStoreServer, path: String, key: String) throws {
        let body = try JSONSerialization.data(withJSONObject: ["data": ["api_key": key]])
        _ = try vaultRequest(vault, "POST", path: path, body: body)
    }

    static func vaultRequest(_ vault: LocalStoreServer, _ method: String, path: String, body: Data?) throws -> Data {
        var request = URLRequest(url: vault.url.appendingPathComponent("v1/secret/data/" + path))
        request.httpMethod = method
        request.httpBody = body
        request.setValue(LocalStoreServer.openBaoRootToken, forHTTPHeaderField: "X-Vault-Token")
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 30)
        guard let data = result else { throw CocoaError(.fileReadUnknown) }
        return data
    }

    /// Runs the real binary off the cooperative pool (it blocks a thread until it exits), with
    /// `extra` added to the fleet's environment.
    func runDetached(_ arguments: [String], stdin: String? = nil, extra: [String: String] = [:]) async throws
        -> RekeyProcess.Result
    {
        let environment = environment.merging(extra) { $1 }
        return try await OffPool.run { try RekeyProcess.run(arguments, stdin: stdin, environment: environment) }
    }

    /// `rekey adopt --job JOB` of `key` as host `host` (adopt takes its identity from REKEY_HOST)
    /// in the state directory `state`.
    func adopt(_ job: String, key: String, db: String, host: String, state: String) async throws
        -> RekeyProcess.Result
    {
        try await runDetached(
            ["adopt", "--job", job, "--db", db, "--jobs", dir.file("jobs"), "--state-dir", dir.file(state)],
            stdin: key + "\n", extra: ["REKEY_HOST": host])
    }

    func stop() {
        sandbox.stop()
        dir.remove()
    }
}
