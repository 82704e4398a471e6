import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyPostgresStore
import RekeyRunner
import RekeyTestSupport
import RekeyVendor
import Testing

/// The lease rules of a fleet run (DESIGN, "Fleet mode"), with real leases in a real
/// PostgreSQL and the fixture's fake vendor: a host whose lease was taken over starts no
/// vendor call and writes no sink, yet its `issued` row and spooled secret are kept, and the
/// job's next holder delivers that secret instead of regenerating.
@Suite(.timeLimit(.minutes(3))) struct FleetLeaseRulesTests {
    /// Takes the job away from whoever holds it, as a host whose lease ran out would see:
    /// the row gets a new holder and a larger fencing token.
    static func takeOver(_ cluster: PostgresTestCluster, database: String, job: String) throws {
        try cluster.psql(
            database: database,
            """
            UPDATE leases SET holder = 'host-b', token = nextval('lease_fencing_tokens'),
                lease_until = now() + interval '1 minute' WHERE job = '\(job)'
            """)
    }

    /// Lets the job's lease run out, so another holder may claim it.
    static func expire(_ cluster: PostgresTestCluster, database: String, job: String) throws {
        try cluster.psql(
            database: database, "UPDATE leases SET lease_until = now() - interval '1 second' WHERE job = '\(job)'")
    }

    /// A lease provider that loses every claim to another host right after taking it.
    struct LosesItsClaims: LeaseProvider {
        let inner: FleetLeases
        let cluster: PostgresTestCluster
        let database: String

        func tryClaim(_ job: Job) async -> (any Lease)? {
            let lease = await inner.tryClaim(job)
            try? FleetLeaseRulesTests.takeOver(cluster, database: database, job: job.name)
            return lease
        }
    }

    /// The fake vendor, with `afterRegenerate` run once it processed a regenerate.
    struct HookedVendors: ProviderSource {
        let vendor: FakeVendor
        let afterRegenerate: @Sendable () -> Void

        func provider(for job: Job) -> any Provider {
            FakeVendorProvider(vendor: vendor) { [afterRegenerate] step in
                if step == "vendor-after" { afterRegenerate() }
            }
        }
    }

    /// Leases of `seconds` (the fixture job's per-attempt timeout is 30 s: 120 s leaves the
    /// twice of it a regenerate needs).
    static func leases(_ url: String, host: String, seconds: Double = 120) async throws -> FleetLeases {
        let provider = try await PostgresLeaseProvider.open(
            url: try PostgresURL(parsing: url), password: nil, holder: host)
        return FleetLeases(provider: provider, seconds: seconds, log: { _ in })
    }

    @Test func aHostWhoseLeaseWasTakenOverStartsNoVendorCall() async throws {
        guard let cluster = await PostgresTestCluster.shared else { return }
        let url = try cluster.makeDatabase()
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        environment.leases = LosesItsClaims(
            inner: try await Self.leases(url, host: "host-a"), cluster: cluster,
            database: PostgresTestCluster.databaseName(of: url))

        let summary = try await f.run(environment: environment)
        let outcome = try #require(summary.outcomes.first)
        #expect(outcome.kind == .locked, "\(summary.outcomes)")
        #expect(outcome.message?.contains("lease") == true, "\(outcome.message ?? "")")
        #expect(f.vendor.regenerateCount == 0)
        let steps = try await f.audit.events(AuditEventFilter(jobs: [f.job.name])).map(\.step)
        #expect(!steps.contains(.intent), "\(steps)")
        #expect(f.envKey == RunnerFixture.initialKey)
    }

    /// A host's spool: the fleet's shared table, and this host's own sealed copy in `directory`.
    static func sharedSpool(_ url: String, directory: String, host: String) async throws -> FleetSpool {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let table = try await PostgresSpoolTable.open(url: try PostgresURL(parsing: url), password: nil)
        let key = FleetKey(bytes: Array(repeating: 7, count: 32))
        return FleetSpool(shared: table, local: LocalSpool(directory: directory), key: key.spoolKey, host: host)
    }

    /// The fixture's environment as fleet host `host`: real leases, and the shared spool with
    /// this host's own copy in its own directory.
    static func fleetHost(_ host: String, of f: RunnerFixture, url: String) async throws -> RunEnvironment {
        var environment = try f.environment()
        environment.leases = try await leases(url, host: host)
        // Each host keeps its own copy; only the shared table connects them.
        environment.spool = try await sharedSpool(url, directory: f.dir.file("\(host)/spool"), host: host)
        return environment
    }

    @Test func aLateIssuedSecretIsKeptAndTheNextHolderDeliversIt() async throws {
        guard let cluster = await PostgresTestCluster.shared else { return }
        let url = try cluster.makeDatabase()
        let database = PostgresTestCluster.databaseName(of: url)
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let job = f.job.name
        var hostA = try await Self.fleetHost("host-a", of: f, url: url)
        // The vendor answers, and meanwhile host A's lease is taken over.
        hostA.vendors = HookedVendors(vendor: f.vendor) {
            try? Self.takeOver(cluster, database: database, job: job)
        }

        let first = try await f.run(environment: hostA)
        let outcome = try #require(first.outcomes.first)
        #expect(outcome.kind == .locked, "\(first.outcomes)")
        #expect(f.vendor.regenerateCount == 1)
        // No sink written by the stale holder; the vendor's new key is kept: spool and `issued`.
        #expect(f.envKey == RunnerFixture.initialKey)
        #expect(try await hostA.spool.all().entries.map(\.secret.revealed) == [f.vendor.validKey])
        let events = try await f.audit.events(AuditEventFilter(jobs: [job]))
        #expect(
            events.contains { $0.step == .issued && $0.newFingerprint == hostA.fingerprint(Secret(f.vendor.validKey)) })
        #expect(!events.contains { $0.step == .done || $0.step == .sinkWritten })

        // Host B holds the job once A's lease ran out, and delivers the kept secret.
        try Self.expire(cluster, database: database, job: job)
        let hostB = try await Self.fleetHost("host-b", of: f, url: url)
        let second = try await f.run(environment: hostB)
        #expect(second.outcomes.map(\.kind) == [.recovered], "\(second.outcomes)")
        #expect(f.vendor.regenerateCount == 1)
        #expect(f.envKey == f.vendor.validKey)
        #expect(f.fileKey == f.vendor.validKey)
        #expect(try await hostB.spool.all().entries.isEmpty)
        #expect(try cluster.psql(database: database, "SELECT count(*) FROM spool").hasPrefix("0"))
    }

    @Test func aRegenerateNeedsTwiceThePerAttemptTimeoutLeftOnTheLease() async throws {
        guard let cluster = await PostgresTestCluster.shared else { return }
        let url = try cluster.makeDatabase()
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        var environment = try f.environment()
        // A 30 s lease and a 20 s per-attempt timeout: 40 s would be needed.
        environment.leases = try await Self.leases(url, host: "host-a", seconds: 30)
        var job = f.job
        job.policy.retry.timeout = .seconds(20)
        let summary = try await f.run([job], environment: environment)
        #expect(summary.outcomes.map(\.kind) == [.locked], "\(summary.outcomes)")
        #expect(summary.outcomes.first?.message?.contains("fleet.lease") == true)
        #expect(f.vendor.regenerateCount == 0)
    }

    /// Two secrets of one job in the shared spool (a host whose lease was taken over spooled
    /// its key beside the new holder's) make the job need an operator, whose way out is
    /// `rekey adopt` of the key the vendor holds. Once adopted and delivered, the superseded
    /// secrets are removed: before, they stayed, and every later run flagged the job again.
    @Test func anAdoptSettlesTwoSpooledSecretsOfTheJob() async throws {
        guard let cluster = await PostgresTestCluster.shared else { return }
        let url = try await cluster.newDatabase()
        let database = PostgresTestCluster.databaseName(of: url)
        let f = try RunnerFixture()
        defer { f.dir.remove() }
        let job = f.job.name
        let hostA = try await Self.fleetHost("host-a", of: f, url: url)
        let late = try await Self.sharedSpool(url, directory: f.dir.file("host-b/spool"), host: "host-b")
        for (key, token) in [("late-hosts-key", Int64(5)), ("new-holders-key", Int64(7))] {
            let spool = token == 5 ? late : hostA.spool
            try await spool.write(
                SpooledSecret(
                    job: job, secret: Secret(key), fingerprint: hostA.fingerprint(Secret(key)),
                    issuedAt: f.clock.now(), expiry: nil, fencingToken: token))
        }
        let flagged = try await f.run(environment: hostA)
        #expect(flagged.outcomes.map(\.kind) == [.needsRecovery], "\(flagged.outcomes)")

        let adopted = try await Adoption(environment: hostA, run: TestRunEnvironment.run).adopt(
            Secret(f.vendor.validKey), job: f.job)
        #expect(adopted.kind == .recovered, "\(adopted)")
        #expect(f.envKey == f.vendor.validKey)
        #expect(try await cluster.query(database: database, "SELECT count(*) FROM spool").hasPrefix("0"))
        #expect(try LocalSpool(directory: f.dir.file("host-a/spool")).all().entries.isEmpty)

        let after = try await f.run(environment: hostA)
        #expect(!after.outcomes.contains { $0.kind == .needsRecovery }, "\(after.outcomes)")
        #expect(try await f.history.needsRecovery == false)
    }
}
