// A secret waiting in the spool for delivery: what the spool stores and recovery reads.

import Foundation
import RekeyModel

/// A secret waiting in the spool for delivery.
public struct SpooledSecret: Sendable {
    public var job: String
    public var secret: Secret
    public var fingerprint: String
    public var issuedAt: Date
    public var expiry: Date?
    /// The vendor's id for this credential (two-key), so recovery after a crash still knows
    /// what a later revoke names; not a secret.
    public var credentialID: String?
    /// Fleet: the fencing token of the lease the secret was issued under (a shared spool
    /// binds it into the entry's encryption); nil on one host.
    public var fencingToken: Int64?

    public init(
        job: String, secret: Secret, fingerprint: String, issuedAt: Date, expiry: Date?, credentialID: String? = nil,
        fencingToken: Int64? = nil
    ) {
        self.job = job
        self.secret = secret
        self.fingerprint = fingerprint
        self.issuedAt = issuedAt
        self.expiry = expiry
        self.credentialID = credentialID
        self.fencingToken = fencingToken
    }
}
