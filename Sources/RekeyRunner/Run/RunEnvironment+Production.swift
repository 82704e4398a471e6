// The one production wiring of `RunEnvironment`, used by `run`, `recover`, `adopt`,
// `baseline`, the demo and the tests. Every effect has a default; a caller passes only
// what it changes (tests: a temporary state directory, a manual clock, a seeded random
// source, then decorators around single seams).

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyRemoteSinks
import RekeySchedule
import RekeyVendor

extension RunEnvironment {
    /// What the environment may change. A dry run opens nothing for writing and creates
    /// no file: the audit log is read-only, no key is created, no lock file is taken.
    public enum Access: Sendable {
        case rotate
        case dryRun
    }

    /// Opens the state directory and the audit log and wires every production effect.
    public static func production(
        paths: ResolvedPaths, config: GlobalConfig = GlobalConfig(), access: Access = .rotate,
        clock: any RekeyClock = SystemClock(), random: any RandomSource = SystemRandomSource(),
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        settleDelay: Duration = .seconds(2), log: @escaping @Sendable (String) -> Void
    ) throws(RunError) -> RunEnvironment {
        let state = StateDirectory(path: paths.stateDirectory)
        // A PostgreSQL log needs leases (not yet), and a migrated state directory must not
        // grow a second history: both refused before anything is opened.
        do {
            try FleetRunRefusal.check(
                database: paths.database, stateDirectory: paths.stateDirectory, isURL: isDatabaseURL(paths.database))
        } catch {
            throw .state(error)
        }
        let audit: any AuditLog
        let key: AuditKey
        let leases: any LeaseProvider
        var spool: any SpoolStore = LocalSpool(directory: state.spool)
        do {
            switch access {
            case .rotate:
                try state.prepare()
                // Two first runs on a fresh state directory must not see each other half-way
                // (a key without its database looks like a lost database).
                let initializing = try FileLock.acquireBlocking(path: state.locks + "/init.lock")
                defer { initializing.release() }
                try state.checkAuditPresent(database: paths.database)
                let logExists =
                    FileManager.default.fileExists(atPath: paths.database)
                    || FileManager.default.fileExists(atPath: state.auditHead)
                key = try AuditKey.loadOrCreate(path: state.auditKey, mayCreate: !logExists)
                audit = try SQLiteAuditLog(
                    path: paths.database, key: key, headPath: state.auditHead, projection: JobHistoryProjection())
                leases = LockDirectory(path: state.locks)
            case .dryRun:
                key = AuditKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
                audit = DryRunAuditLog(reader: try SQLiteAuditReader.openIfPresent(path: paths.database))
                leases = UnclaimedLeases()
                spool = DryRunSpool(inner: spool, directory: state.spool)
            }
        } catch {
            throw .state(error)
        }
        return assemble(
            audit: audit, key: key, leases: leases, spool: spool, state: state, config: config, clock: clock,
            random: random, processEnvironment: processEnvironment, settleDelay: settleDelay, log: log)
    }

    /// The effects every store shares (vendors, credentials, sinks, hooks) around the store's
    /// own audit log, leases and spool; `close` runs after the shared ones are shut down.
    static func assemble(
        audit: any AuditLog, key: AuditKey, leases: any LeaseProvider, spool: any SpoolStore, state: StateDirectory,
        config: GlobalConfig, clock: any RekeyClock, random: any RandomSource, processEnvironment: [String: String],
        settleDelay: Duration, log: @escaping @Sendable (String) -> Void,
        close storeClose: @escaping @Sendable () async -> Void = {}
    ) -> RunEnvironment {
        var proxyEnvironment = processEnvironment
        if let proxy = config.httpsProxy { proxyEnvironment["HTTPS_PROXY"] = proxy }
        let http = VendorHTTPClient(environment: proxyEnvironment)
        let transport: any HTTPTransport =
            config.rateLimits.isEmpty
            ? http
            : RateLimitedTransport(inner: http, limiter: HostRateLimiter(perMinute: config.rateLimits, clock: clock))
        // File sinks locally; vault-kv and aws-secretsmanager sinks over HTTP.
        let sinks = RemoteSinkWriter(
            local: LocalSinkWriter(stateDirectory: state.path), environment: processEnvironment)
        return RunEnvironment(
            clock: clock, random: random, audit: audit, auditKey: key,
            vendors: HTTPProviderSource(transport: transport, clock: clock),
            credentials: SinkReadingCredentials(
                local: CredentialResolver(environment: processEnvironment), sinks: sinks),
            sinks: sinks,
            spool: spool, hooks: HookRunner(), leases: leases,
            globalOnFailure: config.onFailure, settleDelay: settleDelay, log: log,
            close: {
                await http.shutdown()
                await sinks.shutdown()
                await storeClose()
            })
    }
}
