// The options every subcommand shares: where the config, jobs, state and audit DB are.

import ArgumentParser
import RekeyKit

struct SharedOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Global config file (default: $REKEY_CONFIG, else rekey.yaml beside the jobs directory).", valueName: "file"
        ))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Jobs directory (default: $REKEY_JOBS, else ./jobs, else /etc/rekey/jobs).", valueName: "dir"))
    var jobs: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "State directory: spool, locks, audit key (default: $REKEY_STATE_DIR, else /var/lib/rekey for root, else $XDG_STATE_HOME/rekey).",
            valueName: "dir"))
    var stateDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Audit database (default: $REKEY_DB, else <state-dir>/audit.sqlite).", valueName: "file"))
    var db: String?

    var paths: SharedPathOptions {
        SharedPathOptions(config: config, jobs: jobs, stateDirectory: stateDir, database: db)
    }

    /// Opens the workspace, mapping "no jobs" to exit 66 with the reason on stderr.
    func workspace() throws -> Workspace {
        do {
            return try Workspace.open(paths)
        } catch let error as PathError {
            Console.error("rekey: \(error)")
            throw ExitCode(ExitStatus.noJobs.rawValue)
        }
    }

    /// Loads the jobs; exit 66 when there are none.
    func loadJobs(_ workspace: Workspace) throws -> JobLoadResult {
        do {
            return try workspace.loadJobs()
        } catch let error as PathError {
            Console.error("rekey: \(error)")
            throw ExitCode(ExitStatus.noJobs.rawValue)
        }
    }
}

/// `--job`, `--tenant`, `--env`: which jobs a command looks at.
struct JobSelectionOptions: ParsableArguments {
    @Option(name: .customLong("job"), help: "Only this job (repeatable).")
    var jobNames: [String] = []

    @Option(help: "Only jobs of this tenant.")
    var tenant: String?

    @Option(help: "Only jobs of this env.")
    var env: String?

    var filter: JobFilter { JobFilter(names: jobNames, tenant: tenant, env: env) }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
