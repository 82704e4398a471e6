// The credential seam: a job's current credentials from their references.
// `SinkReadingCredentials` (environment, files, local and remote sinks) is the production
// type; `CredentialResolver` alone reads the environment, files and local sinks.

import RekeyDelivery
import RekeyModel
import RekeyVendor

public protocol CredentialSource: Sendable {
    /// Every credential the job's provider needs; throws the first problem.
    func resolve(_ job: Job) async throws(CredentialError) -> ResolvedCredentials
}

extension CredentialResolver: CredentialSource {}

/// `CredentialResolver`, with `{sink: ID}` references to remote sinks (Vault KV, AWS
/// Secrets Manager) read through the run's sink writer.
public struct SinkReadingCredentials: CredentialSource {
    let local: CredentialResolver
    let sinks: any SinkWriter

    public init(local: CredentialResolver, sinks: any SinkWriter) {
        self.local = local
        self.sinks = sinks
    }

    public func resolve(_ job: Job) async throws(CredentialError) -> ResolvedCredentials {
        var values: [String: Secret] = [:]
        let keys = Set(job.kind.credentialKeys).union(job.credentials.keys).sorted()
        for key in keys {
            guard let reference = job.credentials[key] else { throw .missing(credential: key, job: job.name) }
            if case .sink(let id) = reference, let spec = job.sink(id: id), spec.kind.isRemote {
                let secret: Secret
                do {
                    secret = try await sinks.read(spec)
                } catch {
                    throw .unreadable(credential: key, reference: reference, cause: error)
                }
                if secret.isEmpty { throw .empty(credential: key, reference: reference) }
                values[key] = secret
            } else {
                values[key] = try local.resolve(reference, credential: key, in: job)
            }
        }
        return values
    }
}
