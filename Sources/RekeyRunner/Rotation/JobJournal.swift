// The one writer of a job's audit rows. Every row of a rotation, a recovery, an adoption
// or a baseline goes through a named method here, so each carries the job's identity, the
// run and its trigger, and no row is assembled field by field elsewhere.

import Foundation
import RekeyAudit
import RekeyModel
import RekeyVendor

struct JobJournal: Sendable {
    let audit: any AuditLog
    let clock: any RekeyClock
    let run: RunIdentity
    let job: Job
    let log: @Sendable (String) -> Void

    init(environment: RunEnvironment, run: RunIdentity, job: Job) {
        self.audit = environment.audit
        self.clock = environment.clock
        self.run = run
        self.job = job
        self.log = environment.log
    }

    private func row(_ step: AuditStep, _ message: String? = nil) -> AuditEvent {
        var event = AuditEvent.job(job, step: step, runID: run.runID, time: clock.now(), message: message)
        event.trigger = run.trigger
        event.host = run.host
        return event
    }

    /// Appends one row (`commit` of one); a row that cannot be written is logged. Returns
    /// whether it was written.
    @discardableResult
    private func append(_ event: AuditEvent) async -> Bool {
        await commit([event])
    }

    /// The write-ahead row before a vendor call. Without it no call may start.
    /// `provenProbe`: the probe configuration digest, when a probe of the current key just
    /// answered (it works).
    func intent(oldFingerprint: String?, provenProbe: String? = nil) async -> Bool {
        var event = row(.intent)
        event.oldFingerprint = oldFingerprint
        event.probeConfig = provenProbe
        return await append(event)
    }

    func attempt(_ record: AttemptRecord) async {
        await append(attemptRow(record))
    }

    func attemptRow(_ record: AttemptRecord) -> AuditEvent {
        var event = row(.attempt, record.summary)
        event.attempt = record.attempt
        event.httpStatus = record.httpStatus
        event.vendorErrorName = record.vendorErrorName
        event.vendorErrorID = record.vendorErrorID
        event.latencyMilliseconds = record.latencyMilliseconds
        return event
    }

    /// The new secret is spooled: from here on it is never thrown away. The vendor's request
    /// id (for support tickets) is kept in the message. `rows` (the successful attempt) are
    /// committed in the same transaction, before it.
    @discardableResult
    func issued(
        newFingerprint: String, oldFingerprint: String?, expiry: Date?, requestID: String? = nil,
        credentialID: String? = nil, message: String? = nil, after rows: [AuditEvent] = []
    ) async -> Bool {
        let detail = [
            message, credentialID.map { "credential id \($0)" }, requestID.map { "vendor request id \($0)" },
        ].compactMap { $0 }
        var event = row(.issued, detail.isEmpty ? nil : detail.joined(separator: "; "))
        event.newFingerprint = newFingerprint
        event.oldFingerprint = oldFingerprint
        event.expiry = expiry
        event.credentialID = credentialID
        return await commit(rows + [event])
    }

    // Rows a stage produces without appending them: the delivery, hook and verify stages
    // hand theirs to `commit`, which records them with `done` (or the reason the job
    // stopped) in one transaction, so nothing between the vendor's answer and the reload
    // hook waits for an fsync per row.

    func sinkWrittenRow(_ sink: SinkSpec, fingerprint: String) -> AuditEvent {
        var event = row(.sinkWritten, "sink '\(sink.id)' \(sink.kind.rawValue) \(sink.path)")
        event.newFingerprint = fingerprint
        return event
    }

    /// Fleet, `hosts: [..]`: this run's host wrote its sinks with the secret and ran its hooks.
    func deliveredRow(fingerprint: String, pending: [String]) -> AuditEvent {
        let rest = pending.isEmpty ? "every listed host has it" : "still to deliver: " + pending.joined(separator: ", ")
        var event = row(.delivered, "delivered on \(run.host ?? "this host"); \(rest)")
        event.newFingerprint = fingerprint
        return event
    }

    func verifiedRow(fingerprint: String, provenProbe: String?) -> AuditEvent {
        var event = row(.verified)
        event.newFingerprint = fingerprint
        event.probeConfig = provenProbe
        return event
    }

    func probeRow(_ message: String) -> AuditEvent { row(.probe, message) }

    /// `credentialID` (two-key): the id of the credential now current, which its rotation's
    /// revoke will name.
    func doneRow(fingerprint: String, expiry: Date?, credentialID: String? = nil) -> AuditEvent {
        var event = row(.done)
        event.newFingerprint = fingerprint
        event.expiry = expiry
        event.credentialID = credentialID
        return event
    }

    /// Two-key: the previous credential `id` is to be revoked at `due`; committed with the
    /// `done` it follows, so a pending revoke is never lost between the two.
    /// `revokedFingerprint`: the credential `id` names, as rekey knew it (never revoked while
    /// it is the current one).
    func revokePendingRow(id: String, due: Date, currentFingerprint: String, revokedFingerprint: String?)
        -> AuditEvent
    {
        var event = row(
            .revokePending, "the previous credential (id \(id)) is revoked at or after \(Timestamps.iso8601(due))")
        event.credentialID = id
        event.expiry = due
        event.newFingerprint = currentFingerprint
        event.oldFingerprint = revokedFingerprint
        return event
    }

    func revokedRow(id: String, currentFingerprint: String?, note: String? = nil) -> AuditEvent {
        var event = row(.revoked, "revoked the previous credential (id \(id))" + (note.map { "; \($0)" } ?? ""))
        event.credentialID = id
        event.newFingerprint = currentFingerprint
        return event
    }

    func hookRow(_ message: String, exitCode: Int) -> AuditEvent {
        var event = row(.hook, message)
        event.exitCode = exitCode
        return event
    }

    /// The row that records why a job stopped: `failed`, `preflight-failed`, `unsettled`,
    /// `needs-recovery` or (two-key) `revoke-failed`; nil for a failed hook (its `hook` row is the record) and for a job
    /// a stop kept from starting (it changed nothing).
    func reasonRow(_ reason: RotationReason) -> AuditEvent? {
        if case .revokeNotDone(let id, _) = reason {
            var event = row(.revokeFailed, reason.description)
            event.credentialID = id
            return event
        }
        return switch reason.outcome {
        case .needsRecovery: row(.needsRecovery, reason.description)
        case .unsettled: row(.unsettled, reason.description)
        case .hookFailed, .notStarted, .locked: nil
        default:
            if case .preflight = reason {
                row(.preflightFailed, reason.description)
            } else {
                row(.failed, reason.description)
            }
        }
    }

    /// Appends `rows` in one transaction; a failure is logged. Returns whether they were written.
    @discardableResult
    func commit(_ rows: [AuditEvent]) async -> Bool {
        guard !rows.isEmpty else { return true }
        do {
            try await audit.append(contentsOf: rows)
            return true
        } catch {
            log(
                "audit append failed for job '\(job.name)' (\(rows.map(\.step.rawValue).joined(separator: ", "))): \(error)"
            )
            return false
        }
    }

    /// Records why the job stopped, after the rows the stages before produced.
    func record(_ reason: RotationReason, after rows: [AuditEvent] = []) async {
        await commit(rows + [reasonRow(reason)].compactMap { $0 })
    }

    /// An `on_failure` hook's result (no exit code: it does not make the job hook-failed).
    func failureHook(_ message: String) async {
        await append(row(.hook, message))
    }

    /// A failure row that closes an open intent without changing anything else.
    func closed(_ message: String) async {
        await append(row(.failed, message))
    }

    func adopted(fingerprint: String) async -> Bool {
        var event = row(.adopted, "secret adopted by an operator")
        event.newFingerprint = fingerprint
        return await append(event)
    }

    func baselined() async throws {
        try await audit.append(row(.baselined, "current key marked fresh without a vendor call"))
    }
}
