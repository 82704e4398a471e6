// `rekey baseline`: record "current as of now" without calling any vendor.

import ArgumentParser
import Foundation
import RekeyModel
import RekeyRunner

struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Mark jobs' current keys as fresh, without a vendor call (first install on an existing fleet).",
        discussion: "Without it, every job of a new installation is due at once (never rotated).")

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("job"), help: "Only this job (repeatable; default: every job).")
    var jobNames: [String] = []

    func run() async throws {
        let workspace = try shared.workspace()
        let loaded = try shared.loadJobs(workspace)
        let filter = JobFilter(names: jobNames)
        let unknown = filter.unknownNames(in: loaded.jobs)
        guard unknown.isEmpty else { throw ValidationError("no job named \(unknown.joined(separator: ", "))") }
        let environment = try await openEnvironment(workspace)
        let result = try await Baseline(environment: environment, run: manualRun(workspace)).baseline(
            loaded.jobs.filter(filter.matches))
        await environment.close()
        Console.out("baselined \(result.baselined.count) job(s)")
        for skipped in result.notBaselined {
            Console.out("not baselined: \(skipped.job): \(skipped.why)")
        }
    }
}
