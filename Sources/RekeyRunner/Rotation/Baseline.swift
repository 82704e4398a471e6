// `rekey baseline`: mark jobs' current keys as fresh without a vendor call (first
// install on an existing fleet, so every job is not due at once).

import RekeyModel

public struct Baseline: Sendable {
    let environment: RunEnvironment
    let run: RunIdentity

    public init(environment: RunEnvironment, run: RunIdentity) {
        self.environment = environment
        self.run = run
    }

    /// Records a `baselined` row per job; the number of jobs baselined.
    public func baseline(_ jobs: [Job]) async throws -> Int {
        for job in jobs {
            try await JobJournal(environment: environment, run: run, job: job).baselined()
        }
        return jobs.count
    }
}
