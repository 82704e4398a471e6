// The vendor seam: one conforming type per provider kind. A provider makes exactly
// one HTTP attempt per call; retries, backoff and the ambiguous-failure rules live in
// `RetryPolicy` / `RotationCall`, so every vendor gets the same safety.

import Foundation
import RekeyModel

/// The current credentials of a job, resolved from their references (key → secret).
public typealias ResolvedCredentials = [String: Secret]

public struct IssuedSecret: Sendable {
    public var secret: Secret
    /// When the vendor says (or the token says) it expires; nil when unknown.
    public var expiry: Date?
    /// The vendor's request id, for support tickets.
    public var requestID: String?
    /// The vendor's id for the new credential (two-key: what a later revoke names); not a secret.
    public var credentialID: String?

    public init(secret: Secret, expiry: Date? = nil, requestID: String? = nil, credentialID: String? = nil) {
        self.secret = secret
        self.expiry = expiry
        self.requestID = requestID
        self.credentialID = credentialID
    }
}

/// Does a secret work right now?
public enum ProbeResult: Sendable, Hashable {
    case works
    /// The vendor rejected it (401): it has been rotated away or revoked.
    case dead
    /// Neither: a network error, a 5xx, a timeout. Nothing can be concluded.
    case noAnswer(String)
}

public protocol Provider: Sendable {
    var kind: ProviderKind { get }
    /// Whether `issue` may be repeated safely (Qrvey logins yes, QuestionPro regenerate no).
    var isIdempotent: Bool { get }
    /// Whether `probe` can tell a working secret from a dead one for this vendor.
    var canProbe: Bool { get }
    /// What the probe asks (method and URL, never a secret), when it can probe: a definite
    /// answer proves this configuration, so later rotations of a key rekey delivered skip
    /// the probe before the regenerate until it changes.
    var probeConfiguration: String? { get }
    /// Whether an issue adds a credential beside the current one (a two-key vendor): then a
    /// lost answer may have left a credential nobody holds, and re-sending would add another.
    var issueAddsCredential: Bool { get }

    /// One attempt to issue a new secret from the current credentials.
    func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret
    /// Whether `secret` works, for preflight, after an ambiguous failure, and for verify.
    func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult
}

extension Provider {
    public var issueAddsCredential: Bool { false }
}
