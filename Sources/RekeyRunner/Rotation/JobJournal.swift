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
        return event
    }

    /// Appends; a row that cannot be written is logged. Returns whether it was written.
    @discardableResult
    private func append(_ event: AuditEvent) async -> Bool {
        do {
            try await audit.append(event)
            return true
        } catch {
            log("audit append failed for job '\(job.name)' (\(event.step.rawValue)): \(error)")
            return false
        }
    }

    /// The write-ahead row before a vendor call. Without it no call may start.
    func intent(oldFingerprint: String?) async -> Bool {
        var event = row(.intent)
        event.oldFingerprint = oldFingerprint
        return await append(event)
    }

    func attempt(_ record: AttemptRecord) async {
        var event = row(.attempt, record.summary)
        event.attempt = record.attempt
        event.httpStatus = record.httpStatus
        event.vendorErrorName = record.vendorErrorName
        event.vendorErrorID = record.vendorErrorID
        event.latencyMilliseconds = record.latencyMilliseconds
        await append(event)
    }

    /// The new secret is spooled: from here on it is never thrown away. The vendor's request
    /// id (for support tickets) is kept in the message.
    @discardableResult
    func issued(
        newFingerprint: String, oldFingerprint: String?, expiry: Date?, requestID: String? = nil,
        message: String? = nil
    ) async -> Bool {
        let detail = [message, requestID.map { "vendor request id \($0)" }].compactMap { $0 }
        var event = row(.issued, detail.isEmpty ? nil : detail.joined(separator: "; "))
        event.newFingerprint = newFingerprint
        event.oldFingerprint = oldFingerprint
        event.expiry = expiry
        return await append(event)
    }

    func sinkWritten(_ sink: SinkSpec, fingerprint: String) async {
        var event = row(.sinkWritten, "sink '\(sink.id)' \(sink.kind.rawValue) \(sink.path)")
        event.newFingerprint = fingerprint
        await append(event)
    }

    func verified(fingerprint: String) async {
        var event = row(.verified)
        event.newFingerprint = fingerprint
        await append(event)
    }

    func probe(_ message: String) async {
        await append(row(.probe, message))
    }

    @discardableResult
    func done(fingerprint: String, expiry: Date?) async -> Bool {
        var event = row(.done)
        event.newFingerprint = fingerprint
        event.expiry = expiry
        return await append(event)
    }

    func hook(_ message: String, exitCode: Int) async {
        var event = row(.hook, message)
        event.exitCode = exitCode
        await append(event)
    }

    /// An `on_failure` hook's result (no exit code: it does not make the job hook-failed).
    func failureHook(_ message: String) async {
        await append(row(.hook, message))
    }

    func failed(_ reason: RotationReason) async {
        if case .preflight = reason {
            await append(row(.preflightFailed, reason.description))
        } else {
            await append(row(.failed, reason.description))
        }
    }

    /// The intent stays open: the next run probes the old key before anything else.
    func unsettled(_ reason: RotationReason) async {
        await append(row(.unsettled, reason.description))
    }

    func needsRecovery(_ reason: RotationReason) async {
        await append(row(.needsRecovery, reason.description))
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
