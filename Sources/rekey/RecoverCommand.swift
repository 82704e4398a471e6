// `rekey recover`: finish rotations an interrupted run left behind, and nothing else.

import ArgumentParser
import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyModel
import RekeyRunner

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
        let environment = try await openEnvironment(workspace)
        let run = manualRun(workspace)
        let summary = await Recovery(environment: environment, run: run).summary(jobs: loaded.jobs)
        await environment.close()
        let nothing = summary.outcomes.isEmpty && summary.pendingRecovery.isEmpty
        Console.out(nothing ? "nothing to recover" : summary.render())
        if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
    }
}
