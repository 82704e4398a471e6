// Turns a job's credential references (`{env:}`, `{file:}`, `{sink:}`) into the secrets the
// provider call needs. The environment comes in as a dictionary so tests (and the hook
// runner, which must never pass it on) control it. The result is `ResolvedCredentials`
// (key → `Secret`, declared beside the `Provider` protocol).

import RekeyDelivery
import RekeyModel
import RekeyVendor

public struct CredentialResolver: Sendable {
    public static let defaultFileSizeLimit = 64 * 1024

    let environment: [String: String]
    let fileSizeLimit: Int

    /// `environment`: the process's (`ProcessInfo.processInfo.environment`) in production.
    public init(environment: [String: String], fileSizeLimit: Int = CredentialResolver.defaultFileSizeLimit) {
        self.environment = environment
        self.fileSizeLimit = fileSizeLimit
    }

    /// Every credential the job's provider needs (its `credentialKeys`) plus any other the job
    /// references. Throws the first problem, in key order.
    public func resolve(_ job: Job) throws(CredentialError) -> ResolvedCredentials {
        var values: [String: Secret] = [:]
        let keys = Set(job.provider.credentialKeys).union(job.credentials.keys).sorted()
        for key in keys {
            guard let reference = job.credentials[key] else { throw .missing(credential: key, job: job.name) }
            values[key] = try resolve(reference, credential: key, in: job)
        }
        return values
    }

    public func resolve(_ reference: CredentialReference, credential: String, in job: Job) throws(CredentialError)
        -> Secret
    {
        let secret: Secret
        switch reference {
        case .env(let name):
            guard let value = environment[name] else {
                throw .environmentVariableNotSet(credential: credential, reference: reference)
            }
            secret = Secret(value)
        case .file(let path):
            do {
                secret = try FileSink.read(path: path, limit: fileSizeLimit)
            } catch .fileTooLarge {
                throw .fileTooLarge(credential: credential, reference: reference, limit: fileSizeLimit)
            } catch {
                throw .unreadable(credential: credential, reference: reference, cause: error)
            }
        case .sink(let id):
            guard let spec = job.sink(id: id) else { throw .unknownSink(credential: credential, reference: reference) }
            do {
                secret = try spec.makeSink().read()
            } catch {
                throw .unreadable(credential: credential, reference: reference, cause: error)
            }
        }
        if secret.isEmpty { throw .empty(credential: credential, reference: reference) }
        return secret
    }
}
