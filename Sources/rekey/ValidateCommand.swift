// `rekey validate [PATH ...]`: every problem in every job file, then a verdict.

import ArgumentParser
import Foundation
import RekeyKit

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check job files and report every problem with file:line:column.",
        discussion: "Exits 0 when all files are valid, 65 when any has an error, 66 when there are no job files.")

    @OptionGroup var shared: SharedOptions

    @Option(help: "Output format: table (diagnostics as text) or json (for editors and CI).")
    var format: OutputFormat = .table

    @Argument(help: "Job files or directories (default: the jobs directory).")
    var paths: [String] = []

    func run() throws {
        var result: JobLoadResult
        if paths.isEmpty {
            let workspace = try shared.workspace()
            result = try shared.loadJobs(workspace)
        } else {
            var defaults: YAMLDefaults?
            var configDiagnostics: [Diagnostic] = []
            if let configPath = shared.config {
                let (config, problems) = GlobalConfig.load(path: configPath)
                defaults = config?.defaults
                configDiagnostics = problems
            }
            result = JobLoader.load(paths: paths, globalDefaults: defaults)
            result.diagnostics = configDiagnostics + result.diagnostics
            if result.files.isEmpty && !result.hasErrors {
                Console.error("rekey: no job files (*.yaml, *.yml) in \(paths.joined(separator: ", "))")
                throw ExitCode(ExitStatus.noJobs.rawValue)
            }
        }
        switch format {
        case .json:
            Console.out(try ValidationSummary(result).json())
        case .table:
            for diagnostic in result.diagnostics { Console.error(diagnostic.description) }
            let summary = ValidationSummary(result)
            Console.out(summary.line)
        }
        if result.hasErrors { throw ExitCode(ExitStatus.invalidJobFiles.rawValue) }
    }
}
