// `rekey recover`: finish rotations an interrupted run left behind, and nothing else.

import ArgumentParser
import Foundation
import RekeyKit

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Deliver secrets an interrupted run left in the spool, and settle interrupted vendor calls.",
        discussion: "Every `rekey run` does this first; run it alone after a crash, or after fixing a sink that failed."
    )

    @OptionGroup var shared: SharedOptions

    func run() async throws {
        let workspace = try shared.workspace()
        let loaded = try shared.loadJobs(workspace)
        let session = try openSession(workspace, trigger: "manual")
        let outcomes = await Recovery.recoverAll(context: session.context, jobs: loaded.jobs)
        await session.close()
        var summary = RunSummary(runID: session.context.runID, outcomes: outcomes)
        summary.seconds = 0
        Console.out(outcomes.isEmpty ? "nothing to recover" : summary.render())
        if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
    }
}

/// Opens a run session, mapping its errors to exit codes.
func openSession(_ workspace: Workspace, trigger: String) throws -> RunSession {
    do {
        return try RunSession(paths: workspace.paths, trigger: trigger, log: { Console.error("rekey: \($0)") })
    } catch let error as RunSessionError {
        Console.error("rekey: \(error)")
        throw ExitCode(error.exitStatus.rawValue)
    }
}

/// The one job `--job NAME` names, or exit 64.
func job(named name: String, in loaded: JobLoadResult, workspace: Workspace) throws -> Job {
    guard let job = loaded.jobs.first(where: { $0.name == name }) else {
        throw ValidationError("no valid job named '\(name)' in \(workspace.paths.jobs)")
    }
    return job
}
