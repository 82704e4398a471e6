// `rekey adopt`: the way out of needs-recovery. An operator obtains the current secret
// by hand (the vendor's console) and rekey delivers it exactly like a rotated one:
// lock, spool, `adopted` row, sinks, verify, done, hooks.

import Foundation

public enum AdoptionError: Error, LocalizedError, CustomStringConvertible {
    case locked(String)
    case emptySecret
    case preflight([String])
    case rejected(String)
    case spool(String)

    public var description: String {
        switch self {
        case .locked(let job): "another rekey process holds job '\(job)'; wait for it to finish and try again"
        case .emptySecret: "no secret given: pipe it on stdin or pass --from-file"
        case .preflight(let problems): "nothing was changed: " + problems.joined(separator: "; ")
        case .rejected(let job):
            "the vendor rejects this secret (401); nothing was changed. Check you copied the current key of job '\(job)'"
        case .spool(let why): "could not spool the secret (\(why)); nothing was changed"
        }
    }

    public var errorDescription: String? { description }
}

public struct Adoption: Sendable {
    public let context: RunContext

    public init(context: RunContext) {
        self.context = context
    }

    /// Delivers `secret` as the job's current credential. Throws when nothing was changed.
    public func adopt(_ secret: Secret, job: Job, verify: Bool = true) async throws -> JobOutcome {
        guard !secret.isEmpty else { throw AdoptionError.emptySecret }
        guard let lock = context.tryLock(job) else { throw AdoptionError.locked(job.name) }
        defer { lock.release() }

        let problems = context.sinkPreflight(job)
        guard problems.isEmpty else { throw AdoptionError.preflight(problems) }
        let provider = context.makeProvider(job)
        if verify, provider.canProbe, await provider.probe(secret, timeout: job.policy.retry.timeout) == .dead {
            throw AdoptionError.rejected(job.name)
        }
        let fingerprint = context.fingerprint(secret)
        do {
            try context.spoolSecret(job, secret, fingerprint, nil)
        } catch {
            throw AdoptionError.spool("\(error)")
        }
        let procedure = RotationProcedure(context: context, job: job)
        var row = AuditEvent.job(
            job, step: .adopted, runID: context.runID, time: context.clock.now(),
            message: "secret adopted by an operator")
        row.newFingerprint = fingerprint
        row.trigger = context.trigger
        await procedure.record(row, required: true)
        return await procedure.deliver(
            secret, expiry: nil, oldFingerprint: nil, mustVerify: false, provider: verify ? provider : nil, fresh: false
        )
    }
}

/// `rekey baseline`: mark jobs' current keys as fresh without a vendor call (first
/// install on an existing fleet, so every job is not due at once).
public struct Baseline: Sendable {
    public let context: RunContext

    public init(context: RunContext) {
        self.context = context
    }

    public func baseline(_ jobs: [Job]) async throws -> Int {
        for job in jobs {
            var row = AuditEvent.job(
                job, step: .baselined, runID: context.runID, time: context.clock.now(),
                message: "current key marked fresh without a vendor call")
            row.trigger = context.trigger
            try await context.audit.append(row)
        }
        return jobs.count
    }
}
