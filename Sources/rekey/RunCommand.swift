// `rekey run`: rotate what is due. The command cron and systemd timers start.

import ArgumentParser
import Foundation
import RekeyKit

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Rotate every job that is due (or the jobs you name), then print a summary.",
        discussion: """
            From cron: rekey run --quiet --trigger cron --splay 1h --jobs /etc/rekey/jobs --state-dir /var/lib/rekey
            One-off manual rotation of one job: rekey run --job NAME --force

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
    var splay: String?

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
    var grace: String = "60s"

    @Option(
        name: .customLong("metrics-file"),
        help: ArgumentHelp(
            "Write Prometheus metrics here after the run (for node_exporter's textfile collector).", valueName: "path"))
    var metricsFile: String?

    func validate() throws {
        if let splay, RekeyDuration.parse(splay) == nil {
            throw ValidationError("--splay must be a duration like 30m or 1h")
        }
        if RekeyDuration.parseMilliseconds(grace) == nil {
            throw ValidationError("--grace must be a duration like 60s")
        }
        if let concurrency, !(1...256).contains(concurrency) { throw ValidationError("--concurrency must be 1...256") }
        if let maxRotations, maxRotations < 0 { throw ValidationError("--max-rotations must not be negative") }
    }

    func run() async throws {
        // Trap SIGTERM/SIGINT first: from here on a stop never interrupts a vendor call.
        let stop = StopSignal()
        let graceDuration = Duration.milliseconds(RekeyDuration.parseMilliseconds(grace) ?? 60_000)
        let graceText = grace
        let signals = await stop.trap { status in
            Console.error(
                "rekey: \(status == .interrupted ? "SIGINT" : "SIGTERM"): starting no new job; finishing in-flight rotations (up to \(graceText))"
            )
            Task {
                try? await Task.sleep(for: graceDuration)
                Console.error("rekey: in-flight work did not finish within --grace \(graceText); exiting")
                Foundation.exit(status.rawValue)
            }
        }
        defer { signals.cancel() }

        let workspace = try shared.workspace()
        let loaded = try shared.loadJobs(workspace)
        let printer = RunPrinter(format: logFormat, quiet: quiet)
        if loaded.hasErrors {
            for diagnostic in loaded.diagnostics { Console.error(diagnostic.description) }
            guard skipInvalid else {
                Console.error(
                    "rekey: \(loaded.errorCount) error(s) in job files; nothing was rotated (fix them, or pass --skip-invalid)"
                )
                throw ExitCode(ExitStatus.invalidJobFiles.rawValue)
            }
        }
        var options = RunOptions()
        options.filter = select.filter
        let unknown = options.filter.unknownNames(in: loaded.jobs)
        guard unknown.isEmpty else {
            throw ValidationError("no job named \(unknown.joined(separator: ", ")) in \(workspace.paths.jobs)")
        }
        options.force = force
        options.dryRun = dryRun
        options.trigger = trigger.rawValue
        options.concurrency = concurrency ?? workspace.config.concurrency ?? 4
        options.maxRotations = maxRotations
        options.skipInvalid = skipInvalid
        options.wait = wait
        options.grace = graceDuration

        if let splay, let bound = RekeyDuration.parse(splay), isatty(STDIN_FILENO) == 0, bound.seconds > 0 {
            let delay = Double.random(in: 0..<Double(bound.seconds))
            try await Task.sleep(for: .seconds(delay))
        }

        if let requested = stop.requested { throw ExitCode(requested.rawValue) }

        let summary: RunSummary
        do {
            summary = try await RunSession.run(
                workspace: workspace, jobs: loaded.jobs, options: options,
                stopRequested: { stop.requested }, progress: printer.progress, log: { Console.error("rekey: \($0)") })
        } catch let error as RunSessionError {
            Console.error("rekey: \(error)")
            throw ExitCode(error.exitStatus.rawValue)
        } catch {
            Console.error("rekey: \(error)")
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        printer.summary(summary)
        if let metricsFile, !dryRun {
            do {
                try await PrometheusExposition.writeAfterRun(
                    path: metricsFile, jobs: loaded.jobs, databasePath: workspace.paths.database, summary: summary)
            } catch {
                Console.error("rekey: could not write metrics to \(metricsFile): \(error)")
            }
        }
        if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum Trigger: String, ExpressibleByArgument, CaseIterable {
    case cron, manual
}
