// Opens everything a run needs — state directory, audit key and database, HTTP client,
// run lock — wires the production `RunContext`, and closes it all afterwards.

import Foundation

public enum RunSessionError: Error, LocalizedError, CustomStringConvertible {
    case lockHeld(String)
    case state(any Error)

    public var exitStatus: ExitStatus {
        switch self {
        case .lockHeld: .lockHeld
        case .state: .jobFailed
        }
    }

    public var description: String {
        switch self {
        case .lockHeld(let path):
            "another scheduled rekey run is in progress (lock \(path)); this one exits. Use --wait to wait for it"
        case .state(let error): "\(error)"
        }
    }

    public var errorDescription: String? { description }
}

public final class RunSession: Sendable {
    public let context: RunContext
    public let state: StateDirectory
    public let store: SQLiteAuditStore
    let http: VendorHTTPClient

    /// Opens the state directory and the audit log and wires production effects.
    public init(
        paths: ResolvedPaths, trigger: String, dryRun: Bool = false, onFailure: [HookSpec] = [],
        rateLimits: [String: Int] = [:], httpsProxy: String? = nil, clock: any RekeyClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(),
        environment: [String: String] = ProcessInfo.processInfo.environment, settleDelay: Duration = .seconds(2),
        log: @escaping @Sendable (String) -> Void
    ) throws {
        let state = StateDirectory(path: paths.stateDirectory)
        do {
            try state.prepare()
            try state.checkAuditPresent(database: paths.database)
        } catch {
            throw RunSessionError.state(error)
        }
        let key: AuditKey
        let store: SQLiteAuditStore
        do {
            key = try AuditKey.loadOrCreate(path: state.auditKey)
            store = try SQLiteAuditStore(path: paths.database, key: key, headPath: state.auditHead)
        } catch {
            throw RunSessionError.state(error)
        }
        var proxyEnvironment = environment
        if let proxy = httpsProxy { proxyEnvironment["HTTPS_PROXY"] = proxy }
        let http = VendorHTTPClient(environment: proxyEnvironment)
        let transport: any HTTPTransport =
            rateLimits.isEmpty
            ? http : RateLimitedTransport(inner: http, limiter: HostRateLimiter(perMinute: rateLimits, clock: clock))
        let spool = Spool(directory: state.spool)
        let locks = LockDirectory(path: state.locks)
        let hooks = HookRunner()
        let resolver = CredentialResolver(environment: environment)
        let preflight = SinkPreflight()
        self.state = state
        self.store = store
        self.http = http
        var context = RunContext(
            runID: RunSession.newRunID(clock.now()), trigger: trigger, dryRun: dryRun, clock: clock, audit: store,
            fingerprint: { key.fingerprint($0) },
            sinkPreflight: { job in preflight.problems(for: job.sinks).map(\.description) },
            hookProblem: { hooks.problem($0) },
            resolveCredentials: { job in try resolver.resolve(job) },
            makeProvider: { job in ProviderFactory.make(for: job, transport: transport, clock: clock) },
            makeRotationCall: { provider, job in
                RotationCall(
                    provider: provider, jobName: job.name, settings: job.policy.retry, clock: clock, random: random,
                    settleDelay: settleDelay)
            },
            spoolSecret: { job, secret, fingerprint, expiry in
                try spool.write(
                    SpooledSecret(
                        job: job.name, secret: secret, fingerprint: fingerprint, issuedAt: clock.now(), expiry: expiry))
            },
            spooled: { try spool.all() },
            removeSpool: { job in spool.remove(job: job.name) },
            writeSink: { sink, secret in try sink.makeSink().write(secret) },
            runHook: { hook, job, extra in await hooks.run(hook, job: job, extraEnvironment: extra) },
            tryLock: { job in locks.tryLock(job: job) },
            log: log)
        context.globalOnFailure = onFailure
        self.context = context
    }

    public func close() async {
        await http.shutdown()
    }

    /// `20261124T133700Z-1a2b3c`: sortable, unique enough per host.
    static func newRunID(_ now: Date) -> String {
        let stamp = Timestamps.iso8601(now).replacingOccurrences(of: "-", with: "").replacingOccurrences(
            of: ":", with: "")
        return stamp + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// Takes the global run lock of a scheduled run (waiting with `wait`).
    public func runLock(wait: Bool, clock: any RekeyClock = SystemClock()) async throws -> FileLock {
        let path = LockDirectory(path: state.locks).runLockPath
        if wait {
            if let lock = try await FileLock.acquire(path: path, clock: clock, timeout: .seconds(6 * 3600)) {
                return lock
            }
        } else if let lock = FileLock.tryAcquire(path: path) {
            return lock
        }
        throw RunSessionError.lockHeld(path)
    }

    /// The whole of `rekey run`: lock, recover, rotate, record, close.
    public static func run(
        workspace: Workspace, jobs: [Job], options: RunOptions, stopRequested: @escaping @Sendable () -> ExitStatus?,
        progress: @escaping @Sendable (JobOutcome) -> Void, log: @escaping @Sendable (String) -> Void
    ) async throws -> RunSummary {
        let session = try RunSession(
            paths: workspace.paths, trigger: options.trigger, dryRun: options.dryRun,
            onFailure: workspace.config.onFailure,
            rateLimits: workspace.config.rateLimits, httpsProxy: workspace.config.httpsProxy,
            settleDelay: options.settleDelay,
            log: log)
        do {
            let lock = options.isScheduled && !options.dryRun ? try await session.runLock(wait: options.wait) : nil
            defer { lock?.release() }
            let run = RotationRun(
                context: session.context, options: options, stopRequested: stopRequested, progress: progress)
            let summary = await run.execute(jobs: jobs)
            await session.close()
            return summary
        } catch {
            await session.close()
            throw error
        }
    }
}
