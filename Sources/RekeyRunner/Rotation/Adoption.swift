// `rekey adopt`: the way out of needs-recovery. An operator obtains the current secret
// by hand (the vendor's console) and rekey delivers it exactly like a rotated one:
// lease, spool, `adopted` row, sinks, verify, done, hooks.

import Foundation
import RekeyDelivery
import RekeyModel

public enum AdoptionError: Error, LocalizedError, CustomStringConvertible {
    case locked(String)
    case emptySecret
    case preflight([PreflightProblem])
    case rejected(String)
    case spool(String)

    public var description: String {
        switch self {
        case .locked(let job): "another rekey process holds job '\(job)'; wait for it to finish and try again"
        case .emptySecret: "no secret given: pipe it on stdin or pass --from-file"
        case .preflight(let problems): "nothing was changed: " + problems.map(\.description).joined(separator: "; ")
        case .rejected(let job):
            "the vendor rejects this secret (401); nothing was changed. Check you copied the current key of job '\(job)'"
        case .spool(let why): "could not spool the secret (\(why)); nothing was changed"
        }
    }

    public var errorDescription: String? { description }
}

public struct Adoption: Sendable {
    let environment: RunEnvironment
    let run: RunIdentity

    public init(environment: RunEnvironment, run: RunIdentity) {
        self.environment = environment
        self.run = run
    }

    /// Delivers `secret` as the job's current credential. Throws when nothing was changed.
    public func adopt(_ secret: Secret, job: Job, verify: Bool = true) async throws(AdoptionError) -> JobOutcome {
        guard !secret.isEmpty else { throw .emptySecret }
        guard let lease = await environment.leases.tryClaim(job) else { throw .locked(job.name) }
        let result: Result<JobOutcome, AdoptionError>
        do throws(AdoptionError) {
            result = .success(
                try await Adoption(environment: environment.holding(lease), run: run).adoptClaimed(
                    secret, job: job, verify: verify))
        } catch {
            result = .failure(error)
        }
        await lease.release()
        return try result.get()
    }

    private func adoptClaimed(_ secret: Secret, job: Job, verify: Bool) async throws(AdoptionError) -> JobOutcome {

        let problems = await environment.sinks.problems(for: job.sinks)
        guard problems.isEmpty else { throw .preflight(problems.map(PreflightProblem.sink)) }
        let provider = environment.vendors.provider(for: job)
        if verify, provider.canProbe, await provider.probe(secret, timeout: job.policy.retry.timeout) == .dead {
            throw .rejected(job.name)
        }
        let spooled = SpooledSecret(
            job: job.name, secret: secret, fingerprint: environment.fingerprint(secret),
            issuedAt: environment.clock.now(), expiry: nil, fencingToken: environment.jobLease.fencingToken)
        do {
            try await environment.spool.write(spooled)
        } catch {
            // Nothing was adopted: no copy of it may stay for a later recovery to deliver.
            await environment.spool.remove(job: job.name, fingerprint: spooled.fingerprint)
            throw .spool("\(error)")
        }
        let procedure = RotationProcedure(environment: environment, run: run, job: job)
        _ = await procedure.journal.adopted(fingerprint: spooled.fingerprint)
        let started = environment.clock.now()
        let reason = await procedure.complete(.spooled(spooled), verification: verify ? .byPolicy(provider) : .skip)
        // Delivered and `done` (a failed hook comes after both): what else the spool held
        // for the job is superseded by the key the operator named.
        if reason == nil || reason?.outcome == .hookFailed {
            await environment.spool.removeSuperseded(job: job.name, keeping: spooled.fingerprint)
        }
        return JobOutcome(
            job, reason?.outcome ?? .recovered, seconds: environment.clock.now().timeIntervalSince(started),
            message: reason?.description)
    }
}
