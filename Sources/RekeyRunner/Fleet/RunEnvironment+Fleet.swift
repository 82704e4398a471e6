// The fleet's wiring of `RunEnvironment` (DESIGN, "Fleet mode"): the shared PostgreSQL log
// chained under the fleet key, leases in the database instead of lock files, the shared
// encrypted spool (`FleetSpool`, with this host's sealed copy), and this host's registered
// identity. Vendors, sinks and hooks are the same as on one host
// (`assemble`). `open` picks the store from `--db` / REKEY_DB / `db:`.

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyPostgresStore
import RekeySchedule

extension RunEnvironment {
    /// How long a fleet claim lasts unless renewed, when rekey.yaml does not say.
    public static let defaultFleetLease = RekeyDuration(seconds: 300)

    /// The environment for the workspace's store: this host's SQLite log, or the fleet's
    /// PostgreSQL log when the database is a `postgres://` URL. `host`: the fleet identity
    /// (`FleetAffinity.host`), REKEY_HOST or the hostname when nil; one host ignores it.
    public static func open(
        paths: ResolvedPaths, config: GlobalConfig = GlobalConfig(), access: Access = .rotate, host: String? = nil,
        clock: any RekeyClock = SystemClock(), random: any RandomSource = SystemRandomSource(),
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        settleDelay: Duration = .seconds(2), log: @escaping @Sendable (String) -> Void
    ) async throws(RunError) -> RunEnvironment {
        let location: AuditStore.Location
        do {
            location = try AuditStore.location(paths)
        } catch {
            throw .state(error)
        }
        switch location {
        case .sqlite:
            return try production(
                paths: paths, config: config, access: access, clock: clock, random: random,
                processEnvironment: processEnvironment, settleDelay: settleDelay, log: log)
        case .postgres(let url):
            return try await fleet(
                url: url, paths: paths, config: config, access: access,
                host: host ?? FleetAffinity.defaultHost(processEnvironment), clock: clock, random: random,
                processEnvironment: processEnvironment, settleDelay: settleDelay, log: log)
        }
    }

    /// Opens the fleet's log, leases and spool and registers `host`. A dry run reads the log
    /// and claims nothing.
    static func fleet(
        url: PostgresURL, paths: ResolvedPaths, config: GlobalConfig, access: Access, host: String,
        clock: any RekeyClock, random: any RandomSource, processEnvironment: [String: String],
        settleDelay: Duration, log: @escaping @Sendable (String) -> Void
    ) async throws(RunError) -> RunEnvironment {
        let state = StateDirectory(path: paths.stateDirectory)
        let password = PostgresPassword.lookup(for: url, environment: processEnvironment)
        let seconds = Double((config.fleet.lease ?? defaultFleetLease).seconds)
        func assembled(
            _ audit: any AuditLog, _ key: AuditKey, _ leases: any LeaseProvider, _ spool: any SpoolStore,
            close: @escaping @Sendable () async -> Void
        ) -> RunEnvironment {
            assemble(
                audit: audit, key: key, leases: leases, spool: spool, state: state, config: config, clock: clock,
                random: random, processEnvironment: processEnvironment, settleDelay: settleDelay, log: log,
                close: close)
        }
        do {
            guard let keyFile = config.fleet.keyFile else { throw FleetKeyError.notConfigured }
            let fleetKey = try FleetKey.load(path: keyFile)
            let local = LocalSpool(directory: state.spool)
            switch access {
            case .dryRun:
                // Reads the log; its spool's preflight is this host's directory's (a dry run
                // claims nothing and spools nothing).
                let reader = try await PostgresAuditLog.openReader(url: url, password: password)
                return assembled(
                    DryRunAuditLog(reader: reader), fleetKey.auditKey, UnclaimedLeases(),
                    DryRunSpool(inner: local, directory: state.spool), close: { reader.close() })
            case .rotate:
                try state.prepare()
                let audit = try await PostgresAuditLog.open(
                    url: url, password: password, key: fleetKey.auditKey,
                    headPath: AuditStore.localHeadPath(stateDirectory: state.path, url: url),
                    projection: JobHistoryProjection())
                let provider: PostgresLeaseProvider
                let registration: FleetHostRegistration
                let table: PostgresSpoolTable
                do {
                    provider = try await PostgresLeaseProvider.open(url: url, password: password, holder: host)
                    do {
                        registration = try await FleetHostRegistration.register(provider, seconds: seconds)
                        do {
                            table = try await PostgresSpoolTable.open(url: url, password: password)
                        } catch {
                            await registration.end()
                            throw error
                        }
                    } catch {
                        provider.close()
                        throw error
                    }
                } catch {
                    audit.close()
                    throw error
                }
                // The shared spool, sealed under the fleet's spool key, with this host's copy.
                let spool = FleetSpool(shared: table, local: local, key: fleetKey.spoolKey, host: host)
                return assembled(
                    audit, fleetKey.auditKey, FleetLeases(provider: provider, seconds: seconds, log: log), spool,
                    close: {
                        await registration.end()
                        table.close()
                        provider.close()
                        audit.close()
                    })
            }
        } catch {
            throw .state(error)
        }
    }
}
