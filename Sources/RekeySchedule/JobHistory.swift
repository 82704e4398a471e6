// What the scheduler and the report need to know about one job's past, and the one
// pure function that folds audit events into it. Every derived state — ok, due,
// failing, hook-failed, needs-recovery — starts here.

import Foundation
import RekeyAudit
import RekeyModel

public struct JobHistory: Sendable, Hashable, Codable {
    /// The last completed rotation (`done`) or adoption.
    public var lastSuccess: Date?
    /// The expiry recorded with the last issued or adopted secret.
    public var expiry: Date?
    /// When the secret that `expiry` belongs to was issued: the time of the last `issued` row
    /// that recorded it (of the `done`, `adopted` or `baselined` row that changed it, when no
    /// `issued` row did). The last such row is always in the history subset, so folding the
    /// subset gives the same time as folding the whole log.
    public var issuedAt: Date?
    /// The time of the first event since the last `done` (that `done` included): for a job
    /// that never succeeded, its first event. Events before the last `done` are not all in the
    /// history subset, so nothing older is kept.
    public var firstEvent: Date?
    /// When the job was marked current without a vendor call.
    public var baselinedAt: Date?
    /// Vendor-side failures since the last success: they set the failure backoff.
    public var consecutiveFailures: Int = 0
    /// The last attempt stopped at preflight (a configuration problem: a missing variable,
    /// a missing directory). It makes the job failing but starts no backoff: the next run
    /// tries again as soon as the problem is fixed.
    public var configurationProblem = false
    public var lastFailure: Date?
    public var lastError: String?
    public var lastAttempt: Date?
    /// An `intent` with no outcome after it: a run stopped while the vendor call was in
    /// flight. The next run must find out whether the vendor rotated the key.
    public var openIntent: Bool = false
    /// The fingerprint recorded with the last `done` (recover uses it to know only hooks are left).
    public var doneFingerprint: String?
    /// The probe configuration (digest) of the last definite probe: the one before a
    /// regenerate (recorded on `intent`) or a verify that answered.
    public var provenProbe: String?
    /// Needs an operator: the vendor may hold a key no sink has. Cleared by adopt/recovered/done.
    public var needsRecovery: Bool = false
    /// Runs in a row that could not find out whether the vendor rotated (no probe answered).
    public var unsettledRuns: Int = 0
    /// The secret is delivered, but a hook failed: the next run re-runs only hooks.
    public var hookFailed: Bool = false

    // Two-key rotations. Ids are the vendor's names for credentials, never secrets.

    /// The id of the current credential, as its `done` recorded it; nil when unknown (never
    /// issued by rekey with an id, or adopted since).
    public var currentCredentialID: String?
    /// The previous credential still to be revoked (`revoke-pending`), until `revoked`.
    /// While it is set the job issues nothing new.
    public var pendingRevokeID: String?
    /// The fingerprint of the credential the pending revoke names, when known: it is never
    /// revoked while it is the one the sinks hold (an operator may have adopted it back).
    public var pendingRevokeFingerprint: String?
    /// When the pending revoke falls due: the `done` that made it pending, plus `after`.
    public var revokeDue: Date?
    /// Revokes of the pending id that failed in a row; they set its backoff.
    public var revokeFailures: Int = 0

    /// Fleet mode: the host identity that recorded the last `done` (nil on one host, whose
    /// job rows name no host).
    public var lastHost: String?

    /// Fleet, `hosts: [..]`: the secret being delivered host by host (its fingerprint), and
    /// the hosts that recorded `delivered` for it, in order. Set from the first `delivered`
    /// row after its `issued`; cleared by the `done` that ends it (and by any other new key),
    /// so every row it rests on lies after the last `done`, in the history subset.
    public var deliveringFingerprint: String?
    public var deliveredHosts: [String] = []

    /// The hosts of `hosts` still to deliver the secret in flight (none when nothing is).
    public func hostsPending(of hosts: [String]) -> [String] {
        guard deliveringFingerprint != nil else { return [] }
        return hosts.filter { !deliveredHosts.contains($0) }
    }

    /// The job's identity as last recorded (for jobs that are in the log but no job file).
    public var tenant: String?
    public var env: String?
    public var provider: String?

    public init() {}

    /// The time the current key became current: the last success, else the baseline.
    public var currentSince: Date? {
        switch (lastSuccess, baselinedAt) {
        case (let s?, let b?): max(s, b)
        case (let s?, nil): s
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    /// The current credential's lifetime, as the log knows it: its expiry less the time it
    /// was issued (nil when no expiry is recorded). A secret adopted or baselined after it was
    /// issued shows the lifetime it had left then, so it renews later, never after expiry.
    public var lifetime: RekeyDuration? {
        guard let expiry, let issuedAt else { return nil }
        return RekeyDuration(seconds: Int64(expiry.timeIntervalSince(issuedAt).rounded()))
    }

    /// Records `expiry` (when given) and its issue time: always from an `issued` row, else
    /// only when the expiry changes (a `done` confirms the expiry its `issued` row recorded).
    private mutating func record(expiry: Date?, at time: Date, issued: Bool = false) {
        guard let expiry, issued || expiry != self.expiry else { return }
        self.expiry = expiry
        issuedAt = time
    }

    /// Folds one event (in chain order) into the history.
    public mutating func apply(_ event: AuditEvent) {
        firstEvent = min(firstEvent ?? event.time, event.time)
        if let tenant = event.tenant { self.tenant = tenant }
        if let env = event.env { self.env = env }
        if let provider = event.provider { self.provider = provider }
        switch event.step {
        case .intent:
            if let probe = event.probeConfig { provenProbe = probe }
            lastAttempt = event.time
            openIntent = true
            configurationProblem = false
        case .attempt:
            lastAttempt = event.time
        case .issued:
            openIntent = false
            unsettledRuns = 0
            record(expiry: event.expiry, at: event.time, issued: true)
            clearDelivery()
        case .delivered:
            if event.newFingerprint != deliveringFingerprint {
                deliveringFingerprint = event.newFingerprint
                deliveredHosts = []
            }
            if let host = event.host, !deliveredHosts.contains(host) { deliveredHosts.append(host) }
        case .done:
            clearDelivery()
            openIntent = false
            unsettledRuns = 0
            lastSuccess = event.time
            firstEvent = event.time
            if let fp = event.newFingerprint { doneFingerprint = fp }
            lastHost = event.host
            // On the `done` row itself: the history subset folds the last `done` but not
            // always the `issued` row it completed.
            currentCredentialID = event.credentialID
            record(expiry: event.expiry, at: event.time)
            consecutiveFailures = 0
            configurationProblem = false
            // Not `hookFailed`: a rotation's hook rows come before its `done` (hooks run
            // right after the sinks); the hook rows alone decide it.
            lastError = nil
            needsRecovery = false
        case .adopted, .recovered:
            clearDelivery()
            openIntent = false
            unsettledRuns = 0
            if event.step == .adopted {
                record(expiry: event.expiry, at: event.time)
                // A secret from an operator: rekey does not know its id.
                currentCredentialID = nil
            }
            needsRecovery = false
        case .baselined:
            clearDelivery()
            openIntent = false
            baselinedAt = event.time
            record(expiry: event.expiry, at: event.time)
        case .unsettled:
            // The intent stays open: the next run probes before anything else.
            unsettledRuns += 1
            lastAttempt = event.time
            lastError = event.message
        case .preflightFailed:
            configurationProblem = true
            lastAttempt = event.time
            lastFailure = event.time
            lastError = event.message
        case .failed:
            openIntent = false
            unsettledRuns = 0
            consecutiveFailures += 1
            lastFailure = event.time
            lastError = event.message
        case .needsRecovery:
            openIntent = false
            unsettledRuns = 0
            needsRecovery = true
            lastFailure = event.time
            lastError = event.message
        case .hook:
            // A hook event with a non-zero exit code marks hook-failed; a clean re-run clears it.
            if let code = event.exitCode { hookFailed = code != 0 }
        case .verified:
            if let probe = event.probeConfig { provenProbe = probe }
        case .revokePending:
            pendingRevokeID = event.credentialID
            pendingRevokeFingerprint = event.oldFingerprint
            revokeDue = event.expiry ?? event.time
            revokeFailures = 0
        case .revokeFailed:
            revokeFailures += 1
            lastFailure = event.time
            lastError = event.message
        case .revoked:
            pendingRevokeID = nil
            pendingRevokeFingerprint = nil
            revokeDue = nil
            revokeFailures = 0
            lastError = nil
        case .probe, .sinkWritten, .runStarted, .runFinished, .migrated:
            break
        }
    }

    private mutating func clearDelivery() {
        deliveringFingerprint = nil
        deliveredHosts = []
    }

    public static func fold(_ events: some Sequence<AuditEvent>) -> [String: JobHistory] {
        var histories = Histories()
        for event in events { histories.apply(event) }
        return histories.byJob
    }

    /// Every job's history, folded one event at a time (in chain order) from a stream no
    /// one holds whole: recovery's read of the chain, the state table's rebuild, verify.
    public struct Histories: Sendable {
        public private(set) var byJob: [String: JobHistory] = [:]

        public init() {}

        /// Folds `event` into its job's history; events of no job change none.
        public mutating func apply(_ event: AuditEvent) {
            guard let job = event.job else { return }
            byJob[job, default: JobHistory()].apply(event)
        }
    }
}
