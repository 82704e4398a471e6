// How a fleet seals a spooled secret: AES-256-GCM under the spool key derived from the
// fleet key (`FleetKey.spoolKey`), so the database alone (a dump, a replica, a backup)
// never reveals a secret. The tag also authenticates what the entry claims about the secret
// (the AAD, `SpoolSeal.Binding`): its job, fingerprint and fencing token, so an entry
// cannot be moved to another job, passed off as another secret, or replayed under another
// lease; and its issue time, expiry and credential id, so nobody with write access to the
// table can change the credential a later revoke names. An entry that does not open is
// reported, never guessed at.

import Crypto
import Foundation
import RekeyDelivery
import RekeyModel

struct SpoolSeal: Sendable {
    let key: SymmetricKey

    /// What the tag binds beside the secret: every field of an entry that a decision reads.
    /// The host that wrote a row is not bound: it only informs an operator.
    struct Binding: Sendable, Hashable {
        var job: String
        var fingerprint: String
        var token: Int64
        var issuedAt: Int64
        var expiry: Int64?
        var credentialID: String?

        init(_ spooled: SpooledSecret, token: Int64) {
            job = spooled.job
            fingerprint = spooled.fingerprint
            self.token = token
            issuedAt = SpoolSeal.millis(spooled.issuedAt)
            expiry = spooled.expiry.map(SpoolSeal.millis)
            credentialID = spooled.credentialID
        }

        /// The AAD: a version tag, then each field length-prefixed (strings), fixed-width
        /// (integers) or flagged (optionals), so no two bindings encode to the same bytes
        /// ("ab" + "c" and "a" + "bc" differ).
        var bytes: [UInt8] {
            var out: [UInt8] = []
            func string(_ value: String) {
                let utf8 = Array(value.utf8)
                out += withUnsafeBytes(of: UInt32(utf8.count).bigEndian, Array.init)
                out += utf8
            }
            func integer(_ value: Int64) { out += withUnsafeBytes(of: value.bigEndian, Array.init) }
            string("rekey spool v1")
            string(job)
            string(fingerprint)
            integer(token)
            integer(issuedAt)
            if let expiry {
                out.append(1)
                integer(expiry)
            } else {
                out.append(0)
            }
            if let credentialID {
                out.append(1)
                string(credentialID)
            } else {
                out.append(0)
            }
            return out
        }
    }

    /// The sealed box in AES-GCM's combined form (12-byte nonce, ciphertext, 16-byte tag),
    /// under a fresh random nonce.
    func seal(_ secret: Secret, _ binding: Binding) throws(FleetSpoolError) -> Data {
        do {
            let box = try AES.GCM.seal(Data(secret.revealed.utf8), using: key, authenticating: binding.bytes)
            // Only a nonce of another size than the default 12 bytes has no combined form.
            guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
            return combined
        } catch {
            throw .sealing(job: binding.job, why: "\(error)")
        }
    }

    /// The secret, or nil when the box was sealed under another key, altered, or sealed for
    /// another binding (AES-GCM cannot tell these apart, and neither can anybody else).
    func open(_ sealed: Data, _ binding: Binding) -> Secret? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plain = try? AES.GCM.open(box, using: key, authenticating: binding.bytes)
        else { return nil }
        return Secret(String(decoding: plain, as: UTF8.self))
    }

    /// Whole milliseconds since 1970, as both copies store times: the shared table's bigint
    /// and the local copy's JSON read back to the same value, so the binding matches.
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
