// The spool of a fleet: a new secret is kept twice, sealed (`SpoolSeal`) in both places —
// in this host's `LocalSpool` first, then as a row of the shared `PostgresSpoolTable` that
// any host can roll forward from. The local copy covers what the database can lose (a
// failover to an asynchronous standby drops the last commits); the shared row covers what
// the host can lose (itself). Neither ever holds the secret in clear.
//
// The local copy is an ordinary `LocalSpool` entry (one per job, 0600, fsynced) whose
// `secret` field holds, instead of the secret, the text
//
//     sealed:v1:<fencing token, decimal>:<AES-GCM combined box, base64>
//
// and whose fingerprint, issue time, expiry and credential id are the row's, so it opens
// with the same binding as the shared row. (A local entry without that prefix was written
// in clear by a single-host run before this state directory joined a fleet: it is read as
// the secret it is, so a key an earlier run left undelivered is not lost.)

import Crypto
import Foundation
import RekeyDelivery
import RekeyModel
import RekeyPostgresStore

public struct FleetSpool: SpoolStore {
    public let shared: PostgresSpoolTable
    public let local: LocalSpool
    /// This host's identity, recorded on the rows it writes (for an operator reading them).
    public let host: String
    let seal: SpoolSeal

    /// `key` is the fleet's spool key (`FleetKey.spoolKey`), the same on every host.
    public init(shared: PostgresSpoolTable, local: LocalSpool, key: SymmetricKey, host: String) {
        self.shared = shared
        self.local = local
        self.host = host
        seal = SpoolSeal(key: key)
    }

    /// This host's spool must take a file (a new secret needs the local copy) and the shared
    /// table must answer: a secret only one host can see is a secret the fleet can lose.
    public func preflight() async -> String? {
        if let problem = await local.preflight() { return problem }
        do {
            try await shared.checkReachable()
        } catch {
            return
                "the shared spool cannot be reached (\(error)); a new secret could be kept on this host only, so no job rotates until the database answers"
        }
        return nil
    }

    /// Seals the secret once, writes this host's copy (durable first), then the shared row.
    ///
    /// Throws unless both were written — but always tries both, so the secret is kept
    /// wherever it can be. Why throw when the local copy exists: a "spooled" secret may be
    /// left to the job's next lease holder (`RotationProcedure.complete` does so when the
    /// lease ran out), and that holder is usually another host, which cannot see this one's
    /// copy. Throwing makes the caller deliver the secret from memory now, lease or not, and
    /// say so loudly; if that delivery fails, the local copy is still there and a later run
    /// on this host delivers it. Never losing a working credential means never calling it
    /// spooled where the fleet cannot find it.
    public func write(_ spooled: SpooledSecret) async throws {
        // Without the token of the lease the secret was issued under, the entry could not be
        // told apart from one of another holder: refuse rather than bind a made-up token.
        guard let token = spooled.fencingToken else { throw FleetSpoolError.noFencingToken(job: spooled.job) }
        let entry = Self.wholeMilliseconds(spooled)
        let binding = SpoolSeal.Binding(entry, token: token)
        let sealed = try seal.seal(entry.secret, binding)
        var copy = entry
        copy.secret = Secret(LocalCopy.encode(token: token, sealed: sealed))

        var localFailure: String?
        do {
            try await local.write(copy)
        } catch {
            localFailure = "\(error)"
        }
        var sharedFailure: String?
        do {
            try await shared.insert(
                PostgresSpoolRow(
                    job: entry.job, fingerprint: entry.fingerprint, token: token, host: host, issuedAt: entry.issuedAt,
                    expiry: entry.expiry, credentialID: entry.credentialID, sealed: sealed))
        } catch {
            sharedFailure = "\(error)"
        }
        switch (localFailure, sharedFailure) {
        case (nil, nil): return
        case (nil, let shared?):
            throw FleetSpoolError.sharedNotWritten(job: entry.job, why: shared, localCopy: local.path(for: entry.job))
        case (let local?, nil): throw FleetSpoolError.localNotWritten(job: entry.job, why: local)
        case (let local?, let shared?): throw FleetSpoolError.notWritten(job: entry.job, local: local, shared: shared)
        }
    }

    /// Removes the shared row of that secret, and this host's copy if it holds that secret
    /// (it may hold a newer one of the same job). Best effort: what is left is recovered.
    public func remove(job: String, fingerprint: String) async {
        try? await shared.delete(job: job, fingerprint: fingerprint)
        if let copy = try? local.read(job: job), copy.fingerprint == fingerprint {
            await local.remove(job: job)
        }
    }

    /// Every shared row of the job but `fingerprint`'s, by fingerprint, and this host's copy
    /// if it holds another secret (an unreadable copy was set aside by `LocalSpool`).
    public func removeSuperseded(job: String, keeping fingerprint: String) async {
        for row in (try? await shared.rows(job: job)) ?? [] where row.fingerprint != fingerprint {
            try? await shared.delete(job: job, fingerprint: row.fingerprint)
        }
        if let copy = try? local.read(job: job), copy.fingerprint != fingerprint {
            await local.remove(job: job)
        }
    }

    /// Removes the job's entry only when it has exactly one (shared rows and this host's copy
    /// together): two secrets of one job wait for an operator (`all()` reports them), and
    /// deleting either could delete the key the vendor holds. When the table cannot be read,
    /// nothing is removed.
    public func remove(job: String) async {
        guard let rows = try? await shared.rows(job: job) else { return }
        var fingerprints = Set(rows.map(\.fingerprint))
        switch Result(catching: { try local.read(job: job) }) {
        case .success(let copy?): fingerprints.insert(copy.fingerprint)
        case .success(nil): break
        // An unreadable copy may be another secret of the job.
        case .failure: return
        }
        guard fingerprints.count <= 1 else { return }
        // Each row by its fingerprint: a row another host writes meanwhile is never swept away.
        for row in rows { try? await shared.delete(job: job, fingerprint: row.fingerprint) }
        await local.remove(job: job)
    }

    /// The entry with its times cut to whole milliseconds, as both copies store them, so the
    /// binding sealed now is the binding read back later.
    static func wholeMilliseconds(_ spooled: SpooledSecret) -> SpooledSecret {
        var entry = spooled
        entry.issuedAt = SpoolSeal.date(millis: SpoolSeal.millis(spooled.issuedAt))
        entry.expiry = spooled.expiry.map { SpoolSeal.date(millis: SpoolSeal.millis($0)) }
        return entry
    }
}

extension FleetSpool {
    /// The text a local copy holds in place of the secret (see the header).
    enum LocalCopy {
        static let prefix = "sealed:v1:"

        static func encode(token: Int64, sealed: Data) -> String {
            prefix + String(token) + ":" + sealed.base64EncodedString()
        }

        enum Decoded {
            case sealed(token: Int64, box: Data)
            /// Written by a single-host run, before the fleet: the secret itself.
            case clear
            /// Starts like a sealed copy but is not one.
            case malformed
        }

        static func decode(_ text: String) -> Decoded {
            guard text.hasPrefix(prefix) else { return .clear }
            let fields = text.dropFirst(prefix.count).split(separator: ":", maxSplits: 1)
            guard fields.count == 2, let token = Int64(fields[0]), let box = Data(base64Encoded: String(fields[1]))
            else { return .malformed }
            return .sealed(token: token, box: box)
        }
    }
}
