// Why a remote sink (Vault KV, AWS Secrets Manager) could not be read or written. The
// message names the store and what to do next; it never holds a token, a secret or a
// response body (only the HTTP status and, for AWS, the error type's name).

public struct RemoteSinkFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// No answer: connection refused, timeout, a TLS failure.
        case unreachable
        /// 401/403 or an AWS authentication error: a missing, expired or too weak token.
        case unauthorised
        /// The secret does not exist (and rekey does not create it).
        case missing
        /// A concurrent writer kept winning the check-and-set (after every retry).
        case conflict
        /// The store answered with an error status rekey has no rule for.
        case rejected
        /// Read back after the write, the store holds another value.
        case readBackMismatch
        /// What is there cannot be edited safely (a field that is not a string, a
        /// SecretString that is not a JSON object).
        case unusableContent
        /// The sink's own settings cannot be used (the token reference, a CA file).
        case configuration
    }

    /// `Vault KV https://…#field`, `AWS Secrets Manager aws-secretsmanager:…`.
    public var store: String
    public var kind: Kind
    /// What happened, with no secret and no response body.
    public var detail: String
    /// Whether another attempt may succeed (no answer, a 5xx, a throttle).
    public var isTransient: Bool

    public init(store: String, kind: Kind, detail: String, isTransient: Bool = false) {
        self.store = store
        self.kind = kind
        self.detail = detail
        self.isTransient = isTransient
    }

    public var description: String {
        let next =
            switch kind {
            case .unreachable:
                "Check the address and that the store is up. If a rotation was under way, the new secret is kept in the spool and the next run (or `rekey recover`) delivers it."
            case .unauthorised:
                "Renew the token (or the AWS credentials) and make sure its policy allows reading and writing this secret; nothing was lost: the spool keeps any new secret until it is delivered."
            case .missing:
                "Create the secret first (rekey replaces a value, it does not create secrets)."
            case .conflict:
                "Another writer keeps changing this secret; the new secret stays in the spool and `rekey recover` delivers it."
            case .rejected, .readBackMismatch:
                "The new secret stays in the spool; `rekey recover` retries once this is fixed."
            case .unusableContent:
                "Fix the stored value by hand (or point the sink elsewhere); the new secret stays in the spool."
            case .configuration:
                "Fix the sink's settings in the job file."
            }
        return "\(store): \(detail). \(next)"
    }
}
