// Stage 6: the job's reload hooks, in order, stopping at the first that fails. The secret
// is delivered by then, so a failed hook leaves the job `hook-failed` and the next run
// re-runs only the hooks (hooks must be idempotent).

import RekeyModel

struct HookStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    /// Runs the job's hooks; the reason when one failed.
    func run() async -> RotationReason? {
        let job = journal.job
        for (index, hook) in job.hooks.enumerated() {
            let result = await environment.hooks.run(hook, job: job, extraEnvironment: [:])
            await journal.hook(
                "hook \(index + 1) (\(hook.argv[0])): \(result.summary)",
                exitCode: result.succeeded ? 0 : (result.exitCode ?? -1))
            if !result.succeeded {
                return .hookFailed(index: index, program: hook.argv[0], summary: result.summary)
            }
        }
        return nil
    }
}
