// Fleet, a job with `hosts: [..]` (DESIGN, "Fleet mode", affinity): one secret, delivered
// host by host. The host that claims the due job issues it and writes its own files; each
// other listed host, when it next holds the job, writes its own files from the shared spool
// and runs its own hooks. Every host records a `delivered` row; the host that completes the
// list also records `done` and removes the spooled secret. Remote sinks (one store for the
// whole fleet) are written by the first host to deliver, and again by a later one only if
// no host got as far as recording its delivery.

import RekeyModel
import RekeySchedule

struct HostShare: Sendable, Equatable {
    /// This host's identity.
    let host: String
    /// Every host the job names.
    let listed: [String]
    /// The hosts that recorded `delivered` for this secret before this one.
    let deliveredBefore: [String]

    /// This host's share of delivering `fingerprint`, as `history` (read holding the job's
    /// lease) records it; nil unless this is a fleet run and the job names `hosts:`.
    init?(job: Job, run: RunIdentity, history: JobHistory, fingerprint: String) {
        guard let host = run.host, !job.hosts.isEmpty else { return nil }
        self.host = host
        listed = job.hosts
        deliveredBefore = history.deliveringFingerprint == fingerprint ? history.deliveredHosts : []
    }

    /// This host already wrote its files with this secret.
    var deliveredHere: Bool { deliveredBefore.contains(host) }

    /// No host has recorded a delivery yet, so the remote sinks may not hold the secret.
    var writesRemoteSinks: Bool { deliveredBefore.isEmpty }

    /// The listed hosts still to deliver once this one has (empty: this host completes the job).
    var pendingAfter: [String] { listed.filter { $0 != host && !deliveredBefore.contains($0) } }

    /// The sinks this host writes.
    func sinks(of job: Job) -> [SinkSpec] {
        job.sinks.filter { !$0.kind.isRemote || writesRemoteSinks }
    }

    /// For the outcome: who still has to deliver.
    var waitingSentence: String {
        "delivered on this host; still to deliver on their own machines: \(pendingAfter.joined(separator: ", ")) (`rekey plan` shows who is pending)"
    }
}
