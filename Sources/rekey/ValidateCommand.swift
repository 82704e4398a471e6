// `rekey validate [PATH ...]`: every problem in every job file, then a verdict.

import ArgumentParser
import Foundation
import RekeyConfig
import RekeyJobFiles
import RekeyModel

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check job files and report every problem with file:line:column.",
        discussion: """
            Exits 0 when all files are valid (warnings do not change that), 65 when any has an error, 66 when \
            there are no job files. A token whose expires_in is shorter than run_interval (rekey.yaml, default \
            24h) is a warning: it would expire before the next run could renew it.
            """)

    @OptionGroup var shared: SharedOptions

    @Option(help: "Output format: table (diagnostics as text) or json (for editors and CI).")
    var format: OutputFormat = .table

    @Argument(help: "Job files or directories (default: the jobs directory).")
    var paths: [String] = []

    func run() throws {
        let result = try paths.isEmpty ? shared.loadJobs(try shared.workspace()) : shared.loadJobs(at: paths)
        switch format {
        case .json:
            Console.out(try ValidationSummary(result).json())
        case .table:
            printDiagnostics(result)
            Console.out(ValidationSummary(result).line)
        }
        if result.hasErrors { throw ExitCode(ExitStatus.invalidJobFiles.rawValue) }
    }
}
