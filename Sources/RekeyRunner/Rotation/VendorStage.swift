// Stage 2: the vendor call. A regenerate that kills the old key starts only when the old
// key is known to work; the write-ahead `intent` row is committed first; the call itself
// (with its retries and ambiguous-failure rules) runs in its own task, so a cancelled run
// cannot cancel a regenerate in flight.

import RekeyAudit
import RekeyModel
import RekeySchedule
import RekeyVendor
import Synchronization

struct VendorStage: Sendable {
    enum Result: Sendable {
        /// A new secret. `mustVerify`: an earlier attempt was ambiguous, so probe the new key.
        /// `survived`: what the failed attempts before it met (shown in the run summary).
        /// `attemptRow`: the successful attempt's row, committed with `issued` (one fsync
        /// fewer between the vendor's answer and the reload hook).
        case issued(IssuedSecret, attempts: Int, mustVerify: Bool, survived: [String], attemptRow: AuditEvent?)
        case stopped(RotationReason, attempts: Int)
    }

    let environment: RunEnvironment
    let journal: JobJournal
    let provider: any Provider

    var job: Job { journal.job }

    /// `history`: the job's history, which may prove the probe before a regenerate (`ProbeProof`).
    func issue(credentials: ResolvedCredentials, current: Secret?, oldFingerprint: String?, history: JobHistory)
        async -> Result
    {
        let proof = ProbeProof(environment: environment, provider: provider)
        var proven: String?
        if !provider.isIdempotent, provider.canProbe, let current, !proof.covers(history, current: oldFingerprint) {
            switch await provider.probe(current, timeout: job.policy.retry.timeout) {
            case .works: proven = proof.digest
            case .dead: return .stopped(.currentKeyRejected(job: job.name), attempts: 0)
            case .noAnswer(let why): return .stopped(.currentKeyUnchecked(why), attempts: 0)
            }
        }
        // A stop that arrived during preflight or the probe: nothing was sent, so nothing starts.
        if environment.stopRequested() != nil { return .stopped(.stopRequested, attempts: 0) }
        // Fleet: a regenerate starts only with time to finish it (and to spool its answer)
        // before anyone else may take the job over.
        let needed = provider.isIdempotent ? 0 : 2 * job.policy.retry.timeout.seconds
        guard await environment.jobLease.isHeld(leaving: needed) else {
            return .stopped(.leaseLost(job: job.name, before: "the vendor call", needed: needed), attempts: 0)
        }
        guard await journal.intent(oldFingerprint: oldFingerprint, provenProbe: proven) else {
            return .stopped(.intentNotRecorded, attempts: 0)
        }
        let call = environment.rotationCall(provider, job)
        let journal = self.journal
        let failedAttempts = Mutex<[String]>([])
        let succeeded = Mutex<AuditEvent?>(nil)
        let outcome = await Task {
            await call.run(current: credentials, probeSecret: current) { record in
                if record.httpStatus == 200 {
                    succeeded.withLock { $0 = journal.attemptRow(record) }
                    return
                }
                failedAttempts.withLock { $0.append(record.summary) }
                await journal.attempt(record)
            }
        }.value
        switch outcome {
        case .issued(let issued, let attempts, let mustVerify):
            return .issued(
                issued, attempts: attempts, mustVerify: mustVerify, survived: failedAttempts.withLock { $0 },
                attemptRow: succeeded.withLock { $0 })
        case .failed(let message, let attempts, let error):
            if provider.issueAddsCredential, error?.status == 409 {
                return .stopped(.vendorRefusedAnotherKey(job: job.name, message), attempts: attempts)
            }
            return .stopped(.vendorFailed(message, error), attempts: attempts)
        case .mayHaveAddedCredential(let message, let attempts, _):
            return .stopped(.issueMayHaveAddedCredential(job: job.name, message), attempts: attempts)
        case .needsRecovery(let message, let attempts):
            return .stopped(.answerLost(message), attempts: attempts)
        case .unsettled(let message, let attempts):
            return .stopped(.unsettled(message), attempts: attempts)
        }
    }
}
