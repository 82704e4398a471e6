// `rekey demo`: the zero-setup tour.

import ArgumentParser
import Foundation
import RekeyKit

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run rekey end to end against the built-in vendor sandbox, in a temporary directory.")

    func run() async throws {
        let jobsDirectory = FileManager.default.currentDirectoryPath + "/jobs"
        let result = JobLoader.load(paths: [jobsDirectory])
        for diagnostic in result.diagnostics { Console.error(diagnostic.description) }
        Console.out(ValidationSummary(result).line)
        let entries = Plan.build(jobs: result.jobs, histories: [:], now: Date())
        Console.out(Plan.table(entries, now: Date()))
        if result.hasErrors { throw ExitCode(ExitStatus.invalidJobFiles.rawValue) }
    }
}
