// The run's sink writer: file and env-file sinks go to the local writer, `vault-kv` and
// `aws-secretsmanager` sinks to their stores over HTTP. Each remote sink's preflight
// runs before any vendor call (reachable, authorised, the secret readable).

import Foundation
import RekeyDelivery
import RekeyModel

public struct RemoteSinkWriter: SinkWriter {
    let local: any SinkWriter
    let environment: [String: String]
    let http: StoreHTTPClient
    let timeout: Duration
    let now: @Sendable () -> Date

    /// `environment` supplies the tokens (`{env: …}`) and the AWS credentials; `timeout`
    /// bounds each request; `now` is the signing time of AWS requests.
    public init(
        local: any SinkWriter, environment: [String: String], http: StoreHTTPClient = StoreHTTPClient(),
        timeout: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.local = local
        self.environment = environment
        self.http = http
        self.timeout = timeout
        self.now = now
    }

    /// Closes the HTTP connections.
    public func shutdown() async { await http.shutdown() }

    public func problems(for sinks: [SinkSpec]) async -> [SinkProblem] {
        var problems = await local.problems(for: sinks.filter { !$0.kind.isRemote })
        for sink in sinks where sink.kind.isRemote {
            do {
                switch try store(for: sink) {
                case .vault(let vault): try await vault.preflight()
                case .secretsManager(let secrets): try await secrets.preflight()
                }
            } catch {
                problems.append(SinkProblem(sinkID: sink.id, error: error))
            }
        }
        return problems
    }

    public func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
        guard sink.kind.isRemote else { return try await local.write(secret, to: sink) }
        switch try store(for: sink) {
        case .vault(let vault): try await vault.write(secret)
        case .secretsManager(let secrets): try await secrets.write(secret, origin: nil)
        }
    }

    public func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        guard sink.kind.isRemote else { return try await local.deliver(spooled, to: sink) }
        switch try store(for: sink) {
        case .vault(let vault): try await vault.write(spooled.secret)
        case .secretsManager(let secrets): try await secrets.write(spooled.secret, origin: spooled)
        }
    }

    public func read(_ sink: SinkSpec) async throws(SinkError) -> Secret {
        guard sink.kind.isRemote else { return try await local.read(sink) }
        switch try store(for: sink) {
        case .vault(let vault): return try await vault.read()
        case .secretsManager(let secrets): return try await secrets.read()
        }
    }

    enum Store {
        case vault(VaultKVSink)
        case secretsManager(SecretsManagerSink)
    }

    func store(for sink: SinkSpec) throws(SinkError) -> Store {
        switch sink.remote {
        case .vaultKV(let spec)?:
            do {
                let token = try StoreToken.resolve(
                    spec.token, environment: environment, store: "Vault KV \(spec.display)")
                return .vault(VaultKVSink(spec: spec, token: token, http: http, timeout: timeout))
            } catch {
                throw .remote(error)
            }
        case .secretsManager(let spec)?:
            do {
                let credentials = try AWSCredentialsLoader(environment: environment).load()
                return .secretsManager(
                    SecretsManagerSink(spec: spec, credentials: credentials, http: http, timeout: timeout, now: now))
            } catch {
                throw .remote(
                    RemoteSinkFailure(
                        store: "AWS Secrets Manager \(spec.display)", kind: .configuration, detail: error.description))
            }
        case nil:
            throw .remote(
                RemoteSinkFailure(
                    store: sink.path, kind: .configuration, detail: "the \(sink.kind.rawValue) sink has no settings"))
        }
    }
}
