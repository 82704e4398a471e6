// Everything a rotation touches outside its own logic, as named protocol seams: the
// audit log, the vendors, the credentials, the sinks, the spool, the hooks, the leases,
// the clock and randomness. `RunEnvironment.production(…)` wires the real ones, for the
// executable and for tests alike; tests wrap single seams with crashing or faulting
// decorators instead of rebuilding the wiring.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyVendor

public struct RunEnvironment: Sendable {
    public var clock: any RekeyClock
    public var random: any RandomSource
    public var audit: any AuditLog
    /// Keys the fingerprints recorded for every secret.
    public var auditKey: AuditKey
    public var vendors: any ProviderSource
    public var credentials: any CredentialSource
    public var sinks: any SinkWriter
    public var spool: any SpoolStore
    public var hooks: any HookExecutor
    public var leases: any LeaseProvider
    /// The claim on the job this environment is rotating (set once it is claimed): a fleet
    /// lease is asked whether it is still held before the intent and before delivery.
    public var jobLease: any Lease = UnsharedLease()
    /// `on_failure` hooks from rekey.yaml, run after every failed job's own.
    public var globalOnFailure: [HookSpec]
    /// How long to wait, after an ambiguous failure, before probing the old key.
    public var settleDelay: Duration
    /// Operator warnings that belong to no job outcome (stderr in production).
    public var log: @Sendable (String) -> Void
    /// Releases what the environment opened (the HTTP client).
    public var close: @Sendable () async -> Void
    /// The signal's exit status once SIGTERM, SIGINT or SIGHUP arrived: from then on no
    /// new intent and no new attempt of a regenerate starts.
    public var stopRequested: @Sendable () -> ExitStatus? = { nil }

    public init(
        clock: any RekeyClock, random: any RandomSource, audit: any AuditLog, auditKey: AuditKey,
        vendors: any ProviderSource, credentials: any CredentialSource, sinks: any SinkWriter,
        spool: any SpoolStore, hooks: any HookExecutor, leases: any LeaseProvider, globalOnFailure: [HookSpec] = [],
        settleDelay: Duration = .seconds(2), log: @escaping @Sendable (String) -> Void = { _ in },
        close: @escaping @Sendable () async -> Void = {}
    ) {
        self.clock = clock
        self.random = random
        self.audit = audit
        self.auditKey = auditKey
        self.vendors = vendors
        self.credentials = credentials
        self.sinks = sinks
        self.spool = spool
        self.hooks = hooks
        self.leases = leases
        self.globalOnFailure = globalOnFailure
        self.settleDelay = settleDelay
        self.log = log
        self.close = close
    }

    /// This environment for the job `lease` was taken on.
    func holding(_ lease: any Lease) -> RunEnvironment {
        var environment = self
        environment.jobLease = lease
        return environment
    }

    /// The fingerprint recorded for `secret` (never the secret).
    public func fingerprint(_ secret: Secret) -> String { auditKey.fingerprint(secret) }

    /// The job's vendor call with this environment's clock, randomness and settle delay.
    func rotationCall(_ provider: any Provider, _ job: Job) -> RotationCall {
        var call = RotationCall(
            provider: provider, jobName: job.name, settings: job.policy.retry, clock: clock, random: random,
            settleDelay: settleDelay, stopRequested: { [stopRequested] in stopRequested() != nil })
        // As before the intent: another regenerate needs time to finish and to spool its answer.
        let needed = 2 * job.policy.retry.timeout.seconds
        call.leaseHeld = { [jobLease] in await jobLease.isHeld(leaving: needed) }
        return call
    }
}

/// Who is writing: the run's id and what started it, recorded on every row; in a fleet,
/// also the host identity (`--host`), recorded on every row.
public struct RunIdentity: Sendable, Hashable {
    public var runID: String
    public var trigger: String
    /// The fleet host identity; nil on one host (the run's own rows name the hostname).
    public var host: String?

    public init(runID: String, trigger: String, host: String? = nil) {
        self.runID = runID
        self.trigger = trigger
        self.host = host
    }

    /// A new run: `20261124T133700Z-1a2b3c`, sortable and unique enough per host.
    public static func new(trigger: String, at now: Date, random: any RandomSource, host: String? = nil)
        -> RunIdentity
    {
        let stamp = Timestamps.iso8601(now).replacingOccurrences(of: "-", with: "").replacingOccurrences(
            of: ":", with: "")
        let suffix = String(UInt32(random.nextUnit() * Double(UInt32.max)), radix: 16)
        return RunIdentity(runID: stamp + "-" + suffix, trigger: trigger, host: host)
    }
}
