// The credential seam: a job's current credentials from their references.
// `CredentialResolver` (environment, files, sinks) is the production type.

import RekeyModel
import RekeyVendor

public protocol CredentialSource: Sendable {
    /// Every credential the job's provider needs; throws the first problem.
    func resolve(_ job: Job) throws(CredentialError) -> ResolvedCredentials
}

extension CredentialResolver: CredentialSource {}
