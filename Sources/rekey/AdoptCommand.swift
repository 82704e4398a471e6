// `rekey adopt --job NAME`: deliver a secret obtained by hand (the way out of needs-recovery).

import ArgumentParser
import Foundation
import RekeyModel
import RekeyRunner

struct AdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Make a secret you obtained by hand the job's current one: spool, deliver to every sink, run hooks.",
        discussion: """
            The secret is read from stdin (a terminal asks for it without echo) or --from-file; \
            never from the command line, where other users could see it.

              rekey adopt --job acme-prod-questionpro < new-key.txt
            """)

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("job"), help: "The job whose credential this is.")
    var jobName: String

    @Option(name: .customLong("from-file"), help: "Read the secret from this file instead of stdin.")
    var fromFile: String?

    @Flag(name: .customLong("no-verify"), help: "Do not probe the secret with the vendor first.")
    var noVerify = false

    func readSecret() throws -> Secret {
        let text: String
        if let fromFile {
            guard let data = FileManager.default.contents(atPath: fromFile) else {
                throw ValidationError("cannot read \(fromFile)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else if isatty(STDIN_FILENO) != 0 {
            guard let typed = getpass("Secret for \(jobName) (not echoed): ") else {
                throw ValidationError("no secret given")
            }
            text = String(cString: typed)
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        return Secret(strippingLineEnd: text)
    }

    func run() async throws {
        let workspace = try shared.workspace()
        let target = try job(named: jobName, in: try shared.loadJobs(workspace), workspace: workspace)
        let secret = try readSecret()
        let environment = try await openEnvironment(workspace)
        let run = manualRun(workspace)
        let outcome: JobOutcome
        do {
            outcome = try await Adoption(environment: environment, run: run).adopt(
                secret, job: target, verify: !noVerify)
        } catch {
            // Closed before the process exits: a fleet host's registration must not outlive it.
            await environment.close()
            Console.error("rekey: \(error)")
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        await environment.close()
        let summary = RunSummary(runID: run.runID, outcomes: [outcome])
        Console.out(summary.render())
        if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
    }
}
