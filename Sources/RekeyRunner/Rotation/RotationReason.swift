// Why a job stopped short of `done`, as a type: each case knows the outcome it gives the
// job and says what happened and what to do next. Messages are built here and only here.

import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyVendor

/// One thing preflight found that stops a job before any vendor call.
public enum PreflightProblem: Sendable, CustomStringConvertible {
    /// The spool cannot take a file: a new secret would have no safety net.
    case spool(String)
    case sink(SinkProblem)
    case hook(HookProblem)
    case credential(CredentialError)

    public var description: String {
        switch self {
        case .spool(let problem): problem
        case .sink(let problem): problem.description
        case .hook(let problem): problem.description
        case .credential(let error): error.description
        }
    }
}

public enum RotationReason: Error, Sendable, CustomStringConvertible {
    /// Nothing was changed: a sink, a hook or a credential is not ready.
    case preflight([PreflightProblem])
    /// The current key is rejected: regenerating it would fail or lock the tenant out.
    case currentKeyRejected(job: String)
    /// The current key could not be checked; nothing was changed.
    case currentKeyUnchecked(String)
    /// The write-ahead row could not be written, so no vendor call started.
    case intentNotRecorded
    /// A stop (SIGTERM, SIGINT, SIGHUP) arrived before the vendor call; nothing was sent.
    case stopRequested
    /// Fleet: this host's lease on the job ran out or was taken over (or had less than
    /// `needed` seconds left) before `step`; it did not start it. A spooled secret stays in
    /// the shared spool for the job's next holder.
    case leaseLost(job: String, before: String, needed: Double)
    /// The vendor refused or failed, and nothing changed there as far as can be known.
    case vendorFailed(String, ProviderError?)
    /// The vendor may hold a key nobody has (the message says why and the way out).
    case answerLost(String)
    /// The spool could not take the secret and not every sink could either: it may be lost.
    case undeliveredWithoutSpool(job: String, String)
    /// Not a failure: the secret was delivered, but without the spool's safety net.
    case deliveredWithoutSpool(String)
    /// A sink's format cannot carry this secret; it stays in the spool.
    case sinkCannotCarry(job: String, sinkID: String, SinkError)
    /// Some sinks failed; the spool keeps the secret and recovery delivers it.
    case notDeliveredEverywhere([String])
    /// Delivered, but the vendor rejects the new key.
    case newKeyRejected(job: String)
    /// Delivered, but a hook failed; the next run re-runs the hooks.
    case hookFailed(index: Int, program: String, summary: String)
    /// The job's spool entry cannot be read: the secret it held may be the only copy.
    case spoolUnreadable(job: String, String)
    /// The vendor may have rotated; no probe of the old key answered. Later runs probe again.
    case unsettled(String)
    /// Three runs in a row could not find out whether the vendor rotated.
    case unsettledTooLong(job: String, runs: Int)
    /// A run stopped during a regenerate and the old key is now dead.
    case interruptedRegenerateLost(job: String)
    /// A run stopped during a regenerate and the old key could not be checked.
    case interruptedRegenerateUnchecked(String)
    /// Two-key: the vendor refused to add a credential (409): it holds as many as it allows.
    case vendorRefusedAnotherKey(job: String, String)
    /// Two-key: the issue's answer was lost, so the vendor may hold a credential nobody has.
    /// The old credential still works: nothing is lost, nothing was re-sent.
    case issueMayHaveAddedCredential(job: String, String)
    /// Two-key: an earlier run stopped after sending an issue and before keeping its answer.
    case interruptedIssueMayHaveAddedCredential(job: String)
    /// Two-key: the pending revoke of `id` was not carried out (`why`); it stays pending.
    case revokeNotDone(id: String, why: String)

    /// What `on_failure` hooks get as `REKEY_ERROR_NAME` and `REKEY_ERROR_ID`: the vendor's
    /// own error (`INTERNAL_SERVER_ERROR`, 1026) when it answered with one, else the kind of
    /// stop (`preflight`, `answer-lost`, …).
    public var errorName: String {
        if case .vendorFailed(_, let error?) = self, let name = error.vendorErrorName { return name }
        return switch self {
        case .preflight: "preflight"
        case .currentKeyRejected: "current-key-rejected"
        case .currentKeyUnchecked: "current-key-unchecked"
        case .intentNotRecorded: "intent-not-recorded"
        case .stopRequested: "stop-requested"
        case .leaseLost: "lease-lost"
        case .vendorFailed: "vendor-failed"
        case .answerLost: "answer-lost"
        case .undeliveredWithoutSpool: "undelivered-without-spool"
        case .deliveredWithoutSpool: "delivered-without-spool"
        case .sinkCannotCarry: "sink-cannot-carry"
        case .notDeliveredEverywhere: "not-delivered-everywhere"
        case .newKeyRejected: "new-key-rejected"
        case .hookFailed: "hook-failed"
        case .unsettled: "unsettled"
        case .unsettledTooLong: "unsettled-too-long"
        case .spoolUnreadable: "spool-unreadable"
        case .interruptedRegenerateLost: "interrupted-regenerate-lost"
        case .interruptedRegenerateUnchecked: "interrupted-regenerate-unchecked"
        case .vendorRefusedAnotherKey: "vendor-refused-another-key"
        case .issueMayHaveAddedCredential: "issue-may-have-added-credential"
        case .interruptedIssueMayHaveAddedCredential: "interrupted-issue-may-have-added-credential"
        case .revokeNotDone: "revoke-failed"
        }
    }

    public var errorID: String? {
        if case .vendorFailed(_, let error?) = self { return error.vendorErrorID }
        if case .vendorRefusedAnotherKey = self { return "409" }
        return nil
    }

    /// The outcome this gives the job.
    public var outcome: JobOutcome.Kind {
        switch self {
        case .preflight, .currentKeyRejected, .currentKeyUnchecked, .intentNotRecorded, .vendorFailed,
            .notDeliveredEverywhere, .interruptedRegenerateUnchecked, .vendorRefusedAnotherKey,
            .issueMayHaveAddedCredential, .interruptedIssueMayHaveAddedCredential:
            .failed
        case .revokeNotDone: .revokeFailed
        case .answerLost, .sinkCannotCarry, .newKeyRejected, .interruptedRegenerateLost,
            .spoolUnreadable, .undeliveredWithoutSpool, .unsettledTooLong:
            .needsRecovery
        case .hookFailed: .hookFailed
        case .deliveredWithoutSpool: .rotated
        case .unsettled: .unsettled
        case .stopRequested: .notStarted
        case .leaseLost: .locked
        }
    }

    public var description: String {
        switch self {
        case .preflight(let problems):
            "preflight failed, nothing was changed: " + problems.map(\.description).joined(separator: "; ")
        case .currentKeyRejected(let job):
            "the current key is rejected by the vendor (401), so rekey will not regenerate it: get a working key and \(NextStep.adopt(job: job))"
        case .currentKeyUnchecked(let why):
            "could not check the current key before regenerating (\(why)); nothing was changed, the next run retries"
        case .intentNotRecorded:
            "could not write the audit intent row; nothing was changed"
        case .stopRequested:
            "a stop was requested before the vendor call; nothing was changed, the next run rotates it"
        case .leaseLost(let job, let step, let needed):
            needed > 0
                ? "this host's lease on job '\(job)' ran out, was taken over, or had less than \(Int(needed.rounded(.up)))s (twice the per-attempt timeout) left, so \(step) did not start; nothing was sent. If every run says so, fleet.lease in rekey.yaml must be longer than twice the job's retry timeout"
                : "this host's lease on job '\(job)' ran out or was taken over before \(step): it did not write any sink. The new secret stays in the shared spool and the job's next holder delivers it (`rekey recover`, or the next run of any host)"
        case .vendorFailed(let message, _), .answerLost(let message), .unsettled(let message):
            message
        case .unsettledTooLong(let job, let runs):
            "no probe of the old key answered in \(runs) runs, so rekey cannot tell whether the vendor rotated it; check the vendor's console: if the key changed, get it and \(NextStep.adopt(job: job))"
        case .undeliveredWithoutSpool(let job, let what):
            "the spool could not be written and delivery stopped short (\(what)); the new secret is only in the sinks that were written — copy it from one of them to the others, or get it from the vendor, and \(NextStep.adopt(job: job))"
        case .deliveredWithoutSpool(let why):
            "rotated WITHOUT its safety net: the spool could not be written (\(why)); fix the state directory before the next run"
        case .sinkCannotCarry(let job, let sinkID, let error):
            "sink '\(sinkID)' cannot carry this secret (\(error)); it is kept in the spool: fix the sink and run `rekey recover`, or \(NextStep.adopt(job: job))"
        case .notDeliveredEverywhere(let failures):
            "new secret issued but not delivered everywhere (\(failures.joined(separator: "; "))); it is kept in the spool and the next run (or `rekey recover`) delivers it"
        case .newKeyRejected(let job):
            "the new secret was delivered but the vendor rejects it (401); the vendor may hold another key: \(NextStep.adopt(job: job)) with a working key"
        case .hookFailed(let index, let program, let summary):
            "hook \(index + 1) (\(program)) \(summary); the secret is delivered, the next run re-runs the hooks"
        case .spoolUnreadable(let job, let problem):
            "a secret an interrupted run spooled cannot be read (\(problem)); if the vendor holds a key no sink has, get it from the vendor and \(NextStep.adopt(job: job))"
        case .interruptedRegenerateLost(let job):
            "an earlier run stopped while a regenerate was in flight and the old key is now rejected: the vendor issued a new key whose answer was lost. Get the current key from the vendor and \(NextStep.adopt(job: job))"
        case .interruptedRegenerateUnchecked(let why):
            "an earlier run stopped during a regenerate and the old key could not be checked (\(why)); nothing was rotated, the next run checks again"
        case .vendorRefusedAnotherKey(let job, let message):
            "\(message): the vendor already holds as many credentials as it allows, so rekey could not add the new one; nothing changed and the current credential still works. \(NextStep.freeCredentialSlot(job: job))"
        case .issueMayHaveAddedCredential(let job, let message):
            "\(message). The old credential still works, so nothing is lost; the issue was not re-sent, which could add yet another credential. \(NextStep.revokeOrphan(job: job))"
        case .interruptedIssueMayHaveAddedCredential(let job):
            "an earlier run stopped after sending a two-key issue and before keeping its answer: the vendor may hold a new credential nobody has. The old credential still works, so nothing is lost. \(NextStep.revokeOrphan(job: job))"
        case .revokeNotDone(let id, let why):
            "the previous credential (id \(id)) was not revoked: \(why). It stays pending: a later run checks again and retries (with the failure backoff); nothing new is issued until it is revoked"
        }
    }
}
