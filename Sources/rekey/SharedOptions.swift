// The options every subcommand shares (where the config, jobs, state and audit DB are),
// and the small helpers several commands use to open things and report failures.

import ArgumentParser
import Foundation
import RekeyConfig
import RekeyEffects
import RekeyJobFiles
import RekeyModel
import RekeyRunner

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
        help: ArgumentHelp(
            "Audit database: a SQLite file, or a fleet's postgres://user@host:5432/db (fleet mode: see README, \"Running a fleet\") (default: $REKEY_DB, else <state-dir>/audit.sqlite).",
            valueName: "file-or-url"))
    var db: String?

    var paths: SharedPathOptions {
        SharedPathOptions(config: config, jobs: jobs, stateDirectory: stateDir, database: db)
    }

    /// Opens the workspace, mapping "no jobs" to exit 66 with the reason on stderr.
    func workspace() throws -> Workspace {
        try exitingWhenNoJobs { try Workspace.open(paths) }
    }

    /// Loads the jobs; exit 66 when there are none.
    func loadJobs(_ workspace: Workspace) throws -> JobLoadResult {
        try exitingWhenNoJobs { try workspace.loadJobs() }
    }

    /// Loads the job files or directories named on the command line; exit 66 when there are none.
    func loadJobs(at paths: [String]) throws -> JobLoadResult {
        try exitingWhenNoJobs { try Workspace.loadJobs(at: paths, configPath: config) }
    }

    private func exitingWhenNoJobs<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
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

extension RekeyDuration: ExpressibleByArgument {
    public init?(argument: String) {
        guard let parsed = RekeyDuration.parse(argument) else { return nil }
        self = parsed
    }
}

/// The production environment for `recover`, `adopt` and `baseline` (a fleet's, with this
/// host's identity from REKEY_HOST or the hostname, when the database is PostgreSQL);
/// failures exit with their status after saying why.
func openEnvironment(_ workspace: Workspace) async throws -> RunEnvironment {
    do {
        return try await RunEnvironment.open(
            paths: workspace.paths, config: workspace.config, host: fleetHost(workspace),
            log: { Console.error("rekey: \($0)") })
    } catch {
        Console.error("rekey: \(error)")
        throw ExitCode(error.exitStatus.rawValue)
    }
}

/// The fleet identity of this host when the workspace's database is PostgreSQL; nil on one host.
func fleetHost(_ workspace: Workspace) -> String? {
    FleetAffinity.host(database: workspace.paths.database)
}

/// A new manual run's identity.
func manualRun(_ workspace: Workspace) -> RunIdentity {
    .new(trigger: "manual", at: Date(), random: SystemRandomSource(), host: fleetHost(workspace))
}

/// The job named `--job NAME`, or a usage error.
func job(named name: String, in loaded: JobLoadResult, workspace: Workspace) throws -> Job {
    guard let job = loaded.jobs.first(where: { $0.name == name }) else {
        throw ValidationError("no valid job named '\(name)' in \(workspace.paths.jobs)")
    }
    return job
}

/// Traps SIGTERM/SIGINT: the run starts nothing new and in-flight work may finish for
/// `grace`, after which the process runs `beforeForcedExit` and exits with the signal's status.
func trapStopSignals(
    grace: RekeyDuration, beforeForcedExit: @escaping @Sendable (ExitStatus) async -> Void = { _ in }
) async -> (StopSignal, Task<Void, Never>) {
    let stop = StopSignal()
    let signals = await stop.trap { status in
        Console.error(
            "rekey: \(status.signalName ?? "signal"): starting no new job; finishing in-flight rotations (up to \(grace))"
        )
        Task {
            try? await Task.sleep(for: grace.duration)
            Console.error("rekey: in-flight work did not finish within --grace \(grace); exiting")
            await beforeForcedExit(status)
            Foundation.exit(status.rawValue)
        }
    }
    return (stop, signals)
}

/// Prints every diagnostic of the job files to stderr.
func printDiagnostics(_ loaded: JobLoadResult) {
    for diagnostic in loaded.diagnostics { Console.error(diagnostic.description) }
}
