// `rekey plan`: what a run would do now, and why. Never calls a vendor.

import ArgumentParser
import Foundation
import RekeyAudit
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show, per job, whether it is due, why, when it is due next, and whether it is overdue.",
        discussion: """
            EXPIRES is the current credential's expiry when rekey knows it; a known expiry is renewed \
            renew_before ahead, by default a third of the credential's lifetime. A warning follows the \
            table for a credential that lives less than the time between runs (run_interval in rekey.yaml, \
            default 24h, or the median gap between the last 10 runs when longer).
            """)

    @OptionGroup var shared: SharedOptions

    @OptionGroup var select: JobSelectionOptions

    @Option(
        help: ArgumentHelp(
            "Plan as of this time instead of now (ISO 8601, e.g. 2026-12-01T03:00:00Z).", valueName: "time"))
    var now: String?

    @Option(help: "Output format.")
    var format: Plan.Format = .table

    func validate() throws {
        if let now, Timestamps.parse(now) == nil {
            throw ValidationError("--now must be an ISO 8601 time like 2026-12-01T03:00:00Z")
        }
    }

    func run() async throws {
        let workspace = try shared.workspace()
        let loaded = try shared.loadJobs(workspace)
        // One broken file must not hide the plan of every other job: show the valid ones,
        // say which files are broken, and still exit 65.
        if loaded.hasErrors { printDiagnostics(loaded) }
        let filter = select.filter
        let unknown = filter.unknownNames(in: loaded.jobs)
        guard unknown.isEmpty else {
            throw ValidationError("no job named \(unknown.joined(separator: ", ")) in \(workspace.paths.jobs)")
        }
        let planned = loaded.jobs.filter(filter.matches)
        let at = now.flatMap(Timestamps.parse) ?? Date()
        Console.out(
            try await AuditStore.withReader(workspace) { [format] log in
                try await Plan.render(
                    jobs: planned, log: log, now: at, format: format, runInterval: workspace.config.runInterval)
            })
        if loaded.hasErrors {
            Console.error(
                "rekey: \(loaded.errorCount) error(s) in job files or rekey.yaml: the plan shows the valid jobs only; fix them (see `rekey validate`)"
            )
            throw ExitCode(ExitStatus.invalidJobFiles.rawValue)
        }
    }
}

extension Plan.Format: ExpressibleByArgument {}
