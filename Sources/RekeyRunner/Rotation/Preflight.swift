// Stage 1: everything that can fail before the vendor is called — every sink can be
// written, every hook can start, every credential resolves. A job that fails here has
// changed nothing anywhere.

import RekeyModel
import RekeyVendor

struct Preflight: Sendable {
    let environment: RunEnvironment
    let job: Job

    /// The job's current credentials, or every problem found.
    func check() async -> Result<ResolvedCredentials, RotationReason> {
        var problems = await environment.sinks.problems(for: job.sinks).map(PreflightProblem.sink)
        if let spool = await environment.spool.preflight() { problems.append(.spool(spool)) }
        for hook in job.hooks {
            if let problem = environment.hooks.problem(hook) { problems.append(.hook(problem)) }
        }
        do {
            let credentials = try await environment.credentials.resolve(job)
            return problems.isEmpty ? .success(credentials) : .failure(.preflight(problems))
        } catch {
            return .failure(.preflight(problems + [.credential(error)]))
        }
    }
}
