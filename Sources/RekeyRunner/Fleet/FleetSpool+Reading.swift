// What a fleet's spool holds: the shared rows, opened, and this host's copies of secrets
// the shared table lacks (a failover to an asynchronous standby can drop a committed row;
// the copy is then the only one left). One secret per job is an entry recovery can roll
// forward. Anything else goes to `unreadable`, kept untouched for an operator, with a
// reason that names the job, the fingerprints and the tokens — never a secret:
// - a row or copy that does not open (another fleet key, or altered after sealing);
// - two secrets of one job: a host whose lease was taken over spooled its key beside the
//   new holder's, and only one of them can be the key the vendor holds now. Which one is
//   not for rekey to guess (a clock or a token says who issued last to rekey, not to the
//   vendor), so both are kept and the job waits for `rekey adopt`.

import Foundation
import RekeyDelivery
import RekeyModel
import RekeyPostgresStore

/// Why a job's spooled secret cannot be rolled forward.
enum SpoolEntryProblem: Error, CustomStringConvertible {
    /// One stored secret, as an operator can identify it.
    struct Stored: Sendable, CustomStringConvertible {
        var fingerprint: String
        var token: Int64?
        /// "the shared spool, written by host-a" or "this host's copy /var/lib/…/job.json".
        var place: String
        /// False when it does not open.
        var opens: Bool

        var description: String {
            let token = self.token.map { "token \($0)" } ?? "no token"
            return "fingerprint \(fingerprint) (\(token), in \(place)\(opens ? "" : ", which does not open"))"
        }
    }

    case cannotOpen(job: String, Stored)
    case notSealed(job: String, Stored)
    case twoSecrets(job: String, [Stored])
    /// One secret beside a copy that could not be read, which may be another secret of the job.
    case besideUnreadableCopy(job: String, Stored)
    /// This host's copy could not be read at all (`LocalSpool` set it aside).
    case localCopy(String)

    var description: String {
        switch self {
        case .cannotOpen(let job, let stored):
            "the spooled secret of job '\(job)' with \(stored) cannot be opened: it was sealed under another fleet key, or its job, fingerprint, token, issue time, expiry or credential id was changed after sealing. It is kept untouched; check that every host uses the same fleet key"
        case .notSealed(let job, let stored):
            "the spooled secret of job '\(job)' with \(stored) is not a sealed spool entry; it is kept untouched"
        case .twoSecrets(let job, let stored):
            "job '\(job)' has \(stored.count) spooled secrets: "
                + stored.map(\.description).joined(separator: " and ")
                + ". Each was issued under another lease (a host whose lease was taken over spooled its key beside the new holder's, or the database lost a row this host still has a copy of), and only one of them can be the key the vendor holds now. All are kept: an operator must find which key the vendor holds (the one that works), then \(NextStep.adopt(job: job))"
        case .besideUnreadableCopy(let job, let stored):
            "job '\(job)' has a spooled secret with \(stored) beside a copy of this host that cannot be read and may hold another secret of the job. Both are kept: an operator must find which key the vendor holds (the one that works), then \(NextStep.adopt(job: job))"
        case .localCopy(let problem):
            "this host's copy: \(problem)"
        }
    }
}

extension FleetSpool {
    /// A secret one of the two places holds for a job, opened or not.
    private struct Candidate {
        var stored: SpoolEntryProblem.Stored
        var opened: Result<SpooledSecret, SpoolEntryProblem>
    }

    /// The shared rows and this host's copies the table lacks, opened; throws when the shared
    /// table cannot be read (an answer from the local copies alone could hide a secret another
    /// host spooled, and recovery would take the job for one with nothing to roll forward).
    public func all() async throws -> SpoolContents {
        try await contents(of: nil)
    }

    /// `all()` for one job: its shared rows only (a host that just claimed a job reads this,
    /// not every secret other hosts have in flight).
    public func entries(of job: String) async throws -> SpoolContents {
        try await contents(of: job)
    }

    private func contents(of job: String?) async throws -> SpoolContents {
        let rows: [PostgresSpoolRow]
        if let job { rows = try await shared.rows(job: job) } else { rows = try await shared.rows() }
        // This host's copies: the job's file alone when one job is asked for.
        let copies = try await BlockingIO.run { try job.map(local.contents(of:)) ?? local.all() }
        var byJob: [String: [Candidate]] = [:]
        for row in rows { byJob[row.job, default: []].append(open(row)) }
        let sharedKeys = Set(rows.map { [$0.job, $0.fingerprint] })
        for copy in copies.entries where !sharedKeys.contains([copy.job, copy.fingerprint]) {
            byJob[copy.job, default: []].append(open(copy))
        }
        var problems: [String: [SpoolEntryProblem]] = [:]
        for (job, problem) in copies.unreadable { problems[job, default: []].append(.localCopy(problem)) }

        var contents = SpoolContents()
        for job in Set(byJob.keys).union(problems.keys).sorted() {
            let candidates = byJob[job] ?? []
            var jobProblems = problems[job] ?? []
            if candidates.count > 1 {
                jobProblems.insert(.twoSecrets(job: job, candidates.map(\.stored)), at: 0)
            } else if let only = candidates.first {
                switch only.opened {
                case .success(let entry) where jobProblems.isEmpty:
                    contents.entries.append(entry)
                    continue
                case .success:
                    // Beside a copy that could not be read (maybe another secret of the job).
                    jobProblems.insert(.besideUnreadableCopy(job: job, only.stored), at: 0)
                case .failure(let problem):
                    jobProblems.insert(problem, at: 0)
                }
            }
            contents.unreadable.append((job, jobProblems.map(\.description).joined(separator: "; ")))
        }
        return contents
    }

    private func open(_ row: PostgresSpoolRow) -> Candidate {
        let entry = SpooledSecret(
            job: row.job, secret: Secret(""), fingerprint: row.fingerprint, issuedAt: row.issuedAt, expiry: row.expiry,
            credentialID: row.credentialID, fencingToken: row.token)
        return open(entry, sealed: row.sealed, token: row.token, place: "the shared spool, written by \(row.host)")
    }

    private func open(_ copy: SpooledSecret) -> Candidate {
        let place = "this host's copy \(local.path(for: copy.job))"
        switch LocalCopy.decode(copy.secret.revealed) {
        case .sealed(let token, let box):
            return open(copy, sealed: box, token: token, place: place)
        case .clear:
            // A single-host run's entry (see the header): the secret as that run left it.
            let stored = SpoolEntryProblem.Stored(fingerprint: copy.fingerprint, token: nil, place: place, opens: true)
            return Candidate(stored: stored, opened: .success(copy))
        case .malformed:
            let stored = SpoolEntryProblem.Stored(fingerprint: copy.fingerprint, token: nil, place: place, opens: false)
            return Candidate(stored: stored, opened: .failure(.notSealed(job: copy.job, stored)))
        }
    }

    private func open(_ entry: SpooledSecret, sealed: Data, token: Int64, place: String) -> Candidate {
        var stored = SpoolEntryProblem.Stored(fingerprint: entry.fingerprint, token: token, place: place, opens: true)
        guard let secret = seal.open(sealed, SpoolSeal.Binding(entry, token: token)) else {
            stored.opens = false
            return Candidate(stored: stored, opened: .failure(.cannotOpen(job: entry.job, stored)))
        }
        var opened = entry
        opened.secret = secret
        opened.fencingToken = token
        return Candidate(stored: stored, opened: .success(opened))
    }
}
