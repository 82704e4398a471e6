// What an operator asked `rekey run` to do, and the rules that turn it into a run: the
// invalid-files rule, unknown `--job` names, defaults from rekey.yaml, the splay delay,
// the run lock. The executable fills a `RunRequest` from its flags and makes one call.

import Foundation
import RekeyConfig
import RekeyEffects
import RekeyJobFiles
import RekeyModel

public struct RunRequest: Sendable {
    public var filter = JobFilter()
    public var force = false
    public var dryRun = false
    /// With `dryRun`: probe every selected job's current key (read-only).
    public var probe = false
    /// `cron`, `manual` or `demo`, recorded in the audit.
    public var trigger = "manual"
    /// Rotations at once; nil: rekey.yaml's `concurrency`, else 4.
    public var concurrency: Int?
    public var maxRotations: Int?
    /// Rotate the valid jobs even when some job files are invalid.
    public var skipInvalid = false
    /// Wait for another scheduled run to finish instead of exiting 75.
    public var wait = false
    /// Wait a random time up to this before starting, when stdin is not a terminal.
    public var splay: RekeyDuration?
    /// How long in-flight rotations may take to finish after SIGTERM/SIGINT.
    public var grace = RekeyDuration(seconds: 60)
    /// How long to wait, after an ambiguous failure, before probing the old key.
    public var settleDelay: Duration = .seconds(2)
    /// Fleet mode: this host's identity (`--host`); nil: REKEY_HOST, else the hostname.
    public var host: String?

    public init() {}

    /// What `--grace` must leave, beyond the longest per-attempt timeout, to spool and deliver.
    public static let deliveryAllowance: Duration = .seconds(15)

    /// The jobs this run looks at and how: refuses invalid job files (unless
    /// `skipInvalid`) and `--job` names no job file defines.
    public func options(for loaded: JobLoadResult, workspace: Workspace) throws(RunError) -> RunOptions {
        if loaded.hasErrors && !skipInvalid { throw .invalidJobFiles(count: loaded.errorCount) }
        let unknown = filter.unknownNames(in: loaded.jobs)
        guard unknown.isEmpty else { throw .unknownJobs(unknown, jobsDirectory: workspace.paths.jobs) }
        // After a stop, an attempt already sent is awaited up to its timeout, then spooled and
        // delivered: the grace must leave room for both, or its timer would cut a regenerate off.
        if let slowest = loaded.jobs.max(by: { $0.policy.retry.timeout < $1.policy.retry.timeout }),
            grace.duration < slowest.policy.retry.timeout + Self.deliveryAllowance
        {
            throw .graceTooShort(
                grace: grace, job: slowest.name, timeout: slowest.policy.retry.timeout,
                allowance: Self.deliveryAllowance)
        }
        var options = RunOptions()
        options.filter = filter
        options.force = force
        options.dryRun = dryRun
        options.probe = probe
        options.concurrency = concurrency ?? workspace.config.concurrency ?? 4
        options.maxRotations = maxRotations
        return options
    }

    /// The random start delay: up to `splay`, only when no one is at a terminal.
    public func splayDelay(random: any RandomSource, stdinIsTerminal: Bool) -> Duration {
        guard let splay, splay.seconds > 0, !stdinIsTerminal else { return .zero }
        return .milliseconds(Int64(random.nextUnit() * Double(splay.seconds) * 1000))
    }

    /// The whole of `rekey run`: check the request, wait out the splay, open the
    /// environment, take the run lock, recover, rotate, record, close.
    public func run(
        workspace: Workspace, loaded: JobLoadResult, stopRequested: @escaping @Sendable () -> ExitStatus?,
        progress: @escaping @Sendable (JobOutcome) -> Void, log: @escaping @Sendable (String) -> Void,
        clock: any RekeyClock = SystemClock(), random: any RandomSource = SystemRandomSource(),
        stdinIsTerminal: Bool = isatty(STDIN_FILENO) != 0
    ) async throws(RunError) -> RunSummary {
        let options = try options(for: loaded, workspace: workspace)
        try? await clock.sleep(for: splayDelay(random: random, stdinIsTerminal: stdinIsTerminal))
        if let stopped = stopRequested() { throw .stoppedBeforeStart(stopped) }

        let fleetHost = FleetAffinity.host(database: workspace.paths.database, explicit: host)
        let environment = try await RunEnvironment.open(
            paths: workspace.paths, config: workspace.config, access: dryRun ? .dryRun : .rotate, host: fleetHost,
            clock: clock, random: random, settleDelay: settleDelay, log: log)
        let lock: FileLock?
        do {
            lock = options.isScheduled && !dryRun ? try await runLock(workspace.paths, clock: clock) : nil
        } catch {
            await environment.close()
            throw error
        }
        defer { lock?.release() }
        let run = RotationRun(
            environment: environment, run: .new(trigger: trigger, at: clock.now(), random: random, host: fleetHost),
            options: options,
            stopRequested: stopRequested, progress: progress)
        var summary = await run.execute(jobs: loaded.jobs)
        summary.skippedInvalidFiles = loaded.hasErrors
        await environment.close()
        return summary
    }

    /// The global lock of a scheduled run (waiting for it with `wait`).
    private func runLock(_ paths: ResolvedPaths, clock: any RekeyClock) async throws(RunError) -> FileLock {
        let path = LockDirectory(path: StateDirectory(path: paths.stateDirectory).locks).runLockPath
        if wait {
            if let lock = try? await FileLock.acquire(path: path, clock: clock, timeout: .seconds(6 * 3600)) {
                return lock
            }
        } else if let lock = FileLock.tryAcquire(path: path) {
            return lock
        }
        throw .lockHeld(path)
    }
}
