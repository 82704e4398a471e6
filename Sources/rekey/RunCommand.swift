// `rekey run`: rotate what is due. The command cron and systemd timers start.

import ArgumentParser
import Foundation
import RekeyConfig
import RekeyEffects
import RekeyJobFiles
import RekeyModel
import RekeyReporting
import RekeyRunner

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Rotate every job that is due (or the jobs you name), then print a summary.",
        discussion: """
            From cron: rekey run --quiet --trigger cron --splay 1h --jobs /etc/rekey/jobs --state-dir /var/lib/rekey
            One-off manual rotation of one job: rekey run --job NAME --force
            Before the first real run, prove every key: rekey run --dry-run --probe

            A run first finishes what an interrupted run left (the spool), then rotates the due \
            jobs with bounded concurrency. SIGTERM/SIGINT start no new job and let in-flight \
            rotations finish (up to --grace), then exit 143/130.
            """)

    @OptionGroup var shared: SharedOptions

    @OptionGroup var select: JobSelectionOptions

    @Flag(help: "Rotate even if not due or outside the window (not a job that needs recovery).")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Preflight and plan only: no vendor call, nothing written.")
    var dryRun = false

    @Flag(
        help: ArgumentHelp(
            "With --dry-run: check every selected job's current key with the vendor's read-only probe, due or not.",
            discussion: "Nothing is issued, written or recorded. Exit 1 when a key is rejected or cannot be checked."))
    var probe = false

    @Flag(help: "Print only problems (for cron mail).")
    var quiet = false

    @Option(name: .customLong("log-format"), help: "Progress and summary as text or JSON lines.")
    var logFormat: LogFormat = .text

    @Option(help: "Recorded in the audit log: cron or manual.")
    var trigger: Trigger = .manual

    @Option(
        help: ArgumentHelp(
            "Wait a random time up to this before starting, when stdin is not a terminal (e.g. 1h).",
            valueName: "duration"))
    var splay: RekeyDuration?

    @Option(help: "Rotations at once.")
    var concurrency: Int?

    @Option(name: .customLong("max-rotations"), help: "Rotate at most this many jobs in this run.")
    var maxRotations: Int?

    @Flag(name: .customLong("skip-invalid"), help: "Rotate the valid jobs even if some job files are invalid.")
    var skipInvalid = false

    @Flag(help: "Wait for another scheduled run to finish instead of exiting 75.")
    var wait = false

    @Option(
        help: ArgumentHelp(
            "After SIGTERM/SIGINT, how long in-flight rotations may take to finish.", valueName: "duration"))
    var grace = RekeyDuration(seconds: 60)

    @Option(
        name: .customLong("metrics-file"),
        help: ArgumentHelp(
            "Replace this Prometheus file as the run ends, whatever its exit code (for node_exporter's textfile collector; not with --dry-run).",
            valueName: "path"))
    var metricsFile: String?

    @Option(
        help: ArgumentHelp(
            "Fleet mode (a postgres:// database): this host's identity, recorded on every audit row and matched against jobs' host: (default: REKEY_HOST, else the hostname). Each live process needs its own.",
            valueName: "name"))
    var host: String?

    func validate() throws {
        if let host, !JobDecoder.isValidName(host) {
            throw ValidationError("--host may hold only letters, digits, '.', '_' and '-' (at most 128)")
        }
        if let concurrency, !(1...256).contains(concurrency) { throw ValidationError("--concurrency must be 1...256") }
        if let maxRotations, maxRotations < 0 { throw ValidationError("--max-rotations must not be negative") }
        if probe, !dryRun {
            throw ValidationError("--probe needs --dry-run (a real run already probes before every regenerate)")
        }
    }

    var request: RunRequest {
        var request = RunRequest()
        (request.filter, request.force, request.dryRun, request.trigger) = (
            select.filter, force, dryRun, trigger.rawValue
        )
        request.probe = probe
        (request.concurrency, request.maxRotations, request.skipInvalid) = (concurrency, maxRotations, skipInvalid)
        (request.wait, request.splay, request.grace) = (wait, splay, grace)
        request.host = host
        return request
    }

    func run() async throws {
        // A dry run leaves no metrics: it rotated nothing, and the last real run's file stays.
        let metrics = dryRun ? nil : metricsFile.map(RunMetricsFile.init)
        // Trap SIGTERM/SIGINT first: from here on a stop never interrupts a vendor call.
        let (stop, signals) = await trapStopSignals(grace: grace) { status in
            await writeMetrics(metrics, exitCode: status.rawValue)
        }
        defer { signals.cancel() }
        do {
            try await rotate(stop: stop, metrics: metrics)
            await writeMetrics(metrics, exitCode: ExitStatus.ok.rawValue)
        } catch {
            // Every way out, 65, 66 and 75 included, leaves the metrics file with its exit code.
            await writeMetrics(metrics, exitCode: (error as? ExitCode)?.rawValue ?? Self.exitCode(for: error).rawValue)
            throw error
        }
    }

    private func rotate(stop: StopSignal, metrics: RunMetricsFile?) async throws {
        let workspace = try shared.workspace()
        let loaded = try shared.loadJobs(workspace)
        metrics?.jobsLoaded(loaded.jobs, databasePath: workspace.paths.database)
        if loaded.hasErrors { printDiagnostics(loaded) }
        let printer = RunPrinter(format: logFormat, quiet: quiet)
        let summary: RunSummary
        do {
            summary = try await request.run(
                workspace: workspace, loaded: loaded, stopRequested: { stop.requested }, progress: printer.progress,
                log: { Console.error("rekey: \($0)") })
        } catch { throw runExitCode(for: error) }
        // After the run: it has accepted the state directory by now.
        if !dryRun { workspace.storeJobFileCache(from: loaded) }
        metrics?.runFinished(summary)
        printer.summary(summary)
        if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum Trigger: String, ExpressibleByArgument, CaseIterable {
    case cron, manual
}

/// The exit code of a run that did not start, after saying why.
func runExitCode(for error: RunError) -> ExitCode {
    if case .stoppedBeforeStart = error {} else { Console.error("rekey: \(error)") }
    return ExitCode(error.exitStatus.rawValue)
}

/// Replaces the metrics file (if asked for) as the run ends; a failure is a warning, never fatal.
func writeMetrics(_ metrics: RunMetricsFile?, exitCode: Int32) async {
    for problem in await metrics?.write(exitCode: exitCode) ?? [] { Console.error("rekey: warning: \(problem)") }
}
