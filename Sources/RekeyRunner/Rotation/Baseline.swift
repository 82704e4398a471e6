// `rekey baseline`: mark jobs' current keys as fresh without a vendor call (first
// install on an existing fleet, so every job is not due at once).

import RekeyModel

public struct Baseline: Sendable {
    /// What a baseline did: the jobs it marked fresh, and the ones it could not, with why.
    public struct Result: Sendable, Equatable {
        public struct Skipped: Sendable, Equatable {
            public var job: String
            public var why: String
        }
        public var baselined: [String] = []
        public var notBaselined: [Skipped] = []
    }

    let environment: RunEnvironment
    let run: RunIdentity

    public init(environment: RunEnvironment, run: RunIdentity) {
        self.environment = environment
        self.run = run
    }

    /// Records a `baselined` row for every job whose schedule a baseline can start. A job
    /// scheduled only by its credential's expiry (no `every`) is left out: rekey does not
    /// know the current token's expiry, so "fresh as of now" would be a guess that could
    /// let it expire unrotated. Its first run logs in, which leaves the current token valid.
    public func baseline(_ jobs: [Job]) async throws -> Result {
        var result = Result()
        for job in jobs {
            guard job.policy.every != nil else {
                result.notBaselined.append(
                    .init(
                        job: job.name,
                        why:
                            "its schedule is its token's expiry, which rekey learns only when it issues one; the next run logs in (the current token stays valid)"
                    ))
                continue
            }
            // Held while its row is written: a run rotating it now must not be overtaken.
            guard let lease = await environment.leases.tryClaim(job) else {
                result.notBaselined.append(
                    .init(job: job.name, why: "another rekey process is rotating it; run baseline again after it"))
                continue
            }
            do {
                try await JobJournal(environment: environment, run: run, job: job).baselined()
            } catch {
                await lease.release()
                throw error
            }
            await lease.release()
            result.baselined.append(job.name)
        }
        return result
    }
}
