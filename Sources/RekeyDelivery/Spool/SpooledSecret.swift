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

    public init(job: String, secret: Secret, fingerprint: String, issuedAt: Date, expiry: Date?) {
        self.job = job
        self.secret = secret
        self.fingerprint = fingerprint
        self.issuedAt = issuedAt
        self.expiry = expiry
    }
}
