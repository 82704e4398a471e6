// Stage 6: the job's reload hooks, in order, stopping at the first that fails. The secret
// is delivered by then, so a failed hook leaves the job `hook-failed` and the next run
// re-runs only the hooks (hooks must be idempotent).

import RekeyAudit
import RekeyModel

struct HookStage: Sendable {
    let environment: RunEnvironment
    let journal: JobJournal

    /// Runs the job's hooks; the reason when one failed. `secrets` (the new one) and every
    /// credential of the job are scrubbed from their output before it is recorded.
    /// `rows` gets one `hook` row per hook run (the caller commits them).
    func run(scrubbing secrets: [Secret], rows: inout [AuditEvent]) async -> RotationReason? {
        let job = journal.job
        let known = secrets + ((try? await environment.credentials.resolve(job)).map { Array($0.values) } ?? [])
        for (index, hook) in job.hooks.enumerated() {
            let result = await environment.hooks.run(hook, job: job, extraEnvironment: [:], scrubbing: known)
            let output = result.output.isEmpty ? "" : "\noutput (last 4 KiB, secrets scrubbed):\n" + result.output
            rows.append(
                journal.hookRow(
                    "hook \(index + 1) (\(hook.argv[0])): \(result.summary)" + output,
                    exitCode: result.succeeded ? 0 : (result.exitCode ?? -1)))
            if !result.succeeded {
                return .hookFailed(index: index, program: hook.argv[0], summary: result.summary)
            }
        }
        return nil
    }
}
