// The vendor seam a two-key rotation adds: revoking one credential by its id once the new
// one is delivered and verified. One attempt per call, like `issue`; the runner decides
// when (the overlap, the checks before it) and retries a failure on a later run.

import RekeyModel

public protocol TwoKeyProvider: Provider {
    /// Revokes the credential `id`. `current` is the new credential (`{{secret}}`, which the
    /// revoke authenticates with); `credentials` are the job's own. Throws what the vendor
    /// answered; nothing is retried here.
    func revoke(id: String, current: Secret, credentials: ResolvedCredentials, timeout: Duration)
        async throws(ProviderError)
}
