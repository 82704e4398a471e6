import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyModel
import RekeyPostgresStore
import RekeyReporting
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// `hosts: [..]` (DESIGN, "Fleet mode", affinity): one job whose file sinks exist on three
/// machines. Real leases and a real shared spool in PostgreSQL, one audit log, the fixture's
/// fake vendor; each "host" has its own directory for its sinks, its state and its copy of
/// the job (the same name, its own paths — as each machine's checkout of the job file would
/// resolve them). The first host issues and delivers its files; each other one delivers
/// its own from the shared spool when it holds the job; the last records `done`.
// Serialized: the crash loop builds a run environment and its connections per crash, three
// hosts at a time; in parallel with its other cases it crowded the start of a CI run.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FleetHostsDeliveryTests {
    static let hosts = ["host-a", "host-b", "host-c"]

    struct Fleet {
        let f: RunnerFixture
        let url: String
        let cluster: PostgresTestCluster
        /// The job's name: one database serves many fleets, each with a job of its own.
        let name: String

        /// A fleet in `database` (a new one when nil; psql runs off the cooperative pool).
        static func make(database: String? = nil, name: String = "acme-prod") async throws -> Fleet? {
            guard let cluster = await PostgresTestCluster.shared else { return nil }
            let f = try RunnerFixture()
            for host in FleetHostsDeliveryTests.hosts {
                try f.dir.write("\(host)/app.env", "API_KEY='\(RunnerFixture.initialKey)'\n")
                try f.dir.write("\(host)/worker.key", RunnerFixture.initialKey)
            }
            let url: String
            if let database { url = database } else { url = try await cluster.newDatabase() }
            return Fleet(f: f, url: url, cluster: cluster, name: name)
        }

        /// `host`'s copy of the job: its own sinks, and a hook that counts its reloads.
        func job(on host: String) -> Job {
            var job = TestRunEnvironment.questionProJob(
                name: name, directory: f.dir.file(host),
                hooks: [HookSpec(argv: ["/bin/sh", "-c", "echo reload >> '\(f.dir.file(host))/reloads'"])])
            job.hosts = FleetHostsDeliveryTests.hosts
            return job
        }

        func environment(
            on host: String, clock: (any RekeyClock)? = nil, crash: CrashSwitch = CrashSwitch(crashAt: nil)
        ) async throws -> RunEnvironment {
            var environment = try TestRunEnvironment.make(
                directory: f.dir.file(host), audit: f.audit, vendor: f.vendor, crash: crash, clock: clock ?? f.clock)
            environment.leases = try await FleetLeaseRulesTests.leases(url, host: host)
            environment.spool = CrashingSpool(
                inner: try await FleetLeaseRulesTests.sharedSpool(
                    url, directory: f.dir.file("\(host)/spool"), host: host),
                crash: crash)
            return environment
        }

        func run(
            on host: String, clock: (any RekeyClock)? = nil, crash: CrashSwitch = CrashSwitch(crashAt: nil)
        ) async throws -> RunSummary {
            await RotationRun(
                environment: try await environment(on: host, clock: clock, crash: crash),
                run: RunIdentity(runID: "run-\(host)", trigger: "cron", host: host), options: RunOptions()
            ).execute(jobs: [job(on: host)])
        }

        func key(on host: String) -> String? {
            try? EnvFileSink.readValue(path: f.dir.file("\(host)/app.env"), key: "API_KEY").revealed
        }

        func fileKey(on host: String) -> String? { try? FileSink.read(path: f.dir.file("\(host)/worker.key")).revealed }

        func reloads(on host: String) -> Int {
            ((try? String(contentsOfFile: f.dir.file("\(host)/reloads"), encoding: .utf8)) ?? "")
                .split(separator: "\n").count
        }

        /// The job's rows in the shared spool.
        var sharedRows: String {
            get async throws {
                try await cluster.query(
                    database: PostgresTestCluster.databaseName(of: url),
                    "SELECT count(*) FROM spool WHERE job = '\(name)'"
                ).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        func steps(_ step: AuditStep) async throws -> [AuditEvent] {
            try await f.audit.events(AuditEventFilter(jobs: [name], steps: [step]))
        }

        var history: JobHistory { get async throws { try await f.audit.histories()[name] ?? JobHistory() } }
    }

    @Test func eachListedHostDeliversItsOwnFilesAndTheLastOneRecordsDone() async throws {
        guard let fleet = try await Fleet.make() else { return }
        defer { fleet.f.dir.remove() }
        let vendor = fleet.f.vendor

        // Host A claims the due job: one regenerate, its own files, then it waits for B and C.
        let first = try await fleet.run(on: "host-a")
        #expect(first.outcomes.map(\.kind) == [.rotated], "\(first.outcomes)")
        #expect(
            first.outcomes.first?.message?.contains("still to deliver on their own machines: host-b, host-c") == true)
        #expect(vendor.regenerateCount == 1)
        #expect(fleet.key(on: "host-a") == vendor.validKey)
        #expect(fleet.fileKey(on: "host-a") == vendor.validKey)
        #expect(fleet.key(on: "host-b") == RunnerFixture.initialKey)
        #expect(fleet.reloads(on: "host-a") == 1)
        #expect(try await fleet.steps(.done).isEmpty)
        #expect(try await fleet.sharedRows == "1")
        #expect(try await fleet.history.hostsPending(of: Self.hosts) == ["host-b", "host-c"])
        let plan = Plan.build(
            jobs: [fleet.job(on: "host-a")], histories: try await fleet.f.audit.histories(), now: fleet.f.clock.now())
        #expect(plan.first?.pendingHosts == ["host-b", "host-c"])
        #expect(plan.first?.hosts == Self.hosts)
        #expect(Plan.table(plan, now: fleet.f.clock.now()).contains("pending on host-b, host-c"))

        // A again: its share is done; it neither issues nor writes anything.
        let again = try await fleet.run(on: "host-a")
        #expect(again.outcomes.isEmpty, "\(again.outcomes)")
        #expect(vendor.regenerateCount == 1)
        #expect(fleet.reloads(on: "host-a") == 1)

        // B delivers its files from the shared spool; C is still pending.
        let second = try await fleet.run(on: "host-b")
        #expect(second.outcomes.map(\.kind) == [.delivered], "\(second.outcomes)")
        #expect(second.outcomes.first?.message?.contains("still to deliver on their own machines: host-c") == true)
        #expect(fleet.key(on: "host-b") == vendor.validKey)
        #expect(fleet.fileKey(on: "host-b") == vendor.validKey)
        #expect(fleet.reloads(on: "host-b") == 1)
        #expect(try await fleet.steps(.done).isEmpty)

        // C completes the list: `done`, and the shared spool is empty.
        let third = try await fleet.run(on: "host-c")
        #expect(third.outcomes.map(\.kind) == [.delivered], "\(third.outcomes)")
        #expect(fleet.key(on: "host-c") == vendor.validKey)
        let done = try await fleet.steps(.done)
        #expect(done.map(\.host) == ["host-c"])
        #expect(try await fleet.sharedRows == "0")
        #expect(try await fleet.history.hostsPending(of: Self.hosts).isEmpty)
        let delivered = try await fleet.steps(.delivered).compactMap(\.host)
        #expect(delivered == Self.hosts)
        #expect(vendor.regenerateCount == 1)

        // A's own sealed copy outlived the shared row: its next run drops it, quietly, and
        // neither rotates (the job is done) nor reloads its app again.
        let last = try await fleet.run(on: "host-a")
        #expect(last.outcomes.isEmpty, "\(last.outcomes)")
        #expect(try LocalSpool(directory: fleet.f.dir.file("host-a/spool")).all().entries.isEmpty)
        #expect(fleet.reloads(on: "host-a") == 1)
        #expect(vendor.regenerateCount == 1)
    }

    /// Each host in turn dies at each side effect of its part (the issuer's vendor call,
    /// spool, sinks, hook and rows; a later host's sinks, hook and `delivered` row; the last
    /// host's `done` and the spool's removal), then runs again, and the other hosts run: every
    /// host ends with the vendor's live key in its files and the job done once — or, where the
    /// crash lost the vendor's answer in flight (as on one host), the job needs recovery.
    @Test(arguments: hosts)
    func aHostKilledAtAnyStepOfItsShareDeliversOnItsNextRun(dying: String) async throws {
        guard let cluster = await PostgresTestCluster.shared else { return }
        let database = try await cluster.newDatabase()
        var crashes = 0
        for k in 1...60 {
            // A job of its own per crash, in one database: leases and spool rows are per job.
            guard let fleet = try await Fleet.make(database: database, name: "job-\(dying)-\(k)") else { return }
            defer { fleet.f.dir.remove() }
            let vendor = fleet.f.vendor
            let before = Self.hosts.prefix { $0 != dying }
            for host in before { _ = try await fleet.run(on: host) }
            let crash = CrashSwitch(crashAt: k)
            _ = try await fleet.run(on: dying, crash: crash)
            guard let died = crash.diedAt else { break }
            crashes += 1
            // The dead host's lease is released (in-process); it runs again, then everyone.
            for host in [dying] + Self.hosts.filter({ $0 != dying }) { _ = try await fleet.run(on: host) }

            let history = try await fleet.history
            if history.needsRecovery {
                #expect(
                    CrashAtEveryStepTests.inFlight.contains(died),
                    "\(dying) died at \(died): needs-recovery, not in flight")
                continue
            }
            for host in Self.hosts {
                #expect(fleet.key(on: host) == vendor.validKey, "\(dying) died at \(died): \(host)'s env file")
                #expect(fleet.fileKey(on: host) == vendor.validKey, "\(dying) died at \(died): \(host)'s file")
            }
            #expect(vendor.regenerateCount <= 1, "\(dying) died at \(died)")
            // Died before the vendor call: nothing was rotated, and every host still holds the
            // working key (the failure backoff delays the next try, as on one host).
            guard vendor.regenerateCount == 1 else { continue }
            for host in Self.hosts {
                #expect(fleet.reloads(on: host) >= 1, "\(dying) died at \(died): \(host) never reloaded")
            }
            #expect(try await fleet.steps(.done).count == 1, "\(dying) died at \(died)")
            #expect(try await fleet.sharedRows == "0", "\(dying) died at \(died)")
        }
        #expect(crashes >= 5, "only \(crashes) side effects of \(dying)'s part")
    }

    /// A clock whose first sleep lets another host's run happen meanwhile.
    final class MeanwhileClock: RekeyClock, @unchecked Sendable {
        let inner: ManualClock
        private let lock = NSLock()
        private var meanwhile: (@Sendable () async -> Void)?

        init(inner: ManualClock, meanwhile: @escaping @Sendable () async -> Void) {
            self.inner = inner
            self.meanwhile = meanwhile
        }

        func now() -> Date { inner.now() }

        func sleep(for duration: Duration) async throws {
            let once: (@Sendable () async -> Void)? = lock.withLock {
                defer { meanwhile = nil }
                return meanwhile
            }
            await once?()
            try await inner.sleep(for: duration)
        }
    }

    @Test func aHostThatFindsTheJobHeldWaitsForTheHolderThenDeliversItsShare() async throws {
        guard let fleet = try await Fleet.make() else { return }
        defer { fleet.f.dir.remove() }
        let vendor = fleet.f.vendor
        // Host A holds the job as B's run starts (it is issuing it, at the same tick).
        let holderA = try await FleetLeaseRulesTests.leases(fleet.url, host: "host-a")
        let held = try #require(await holderA.tryClaim(fleet.job(on: "host-a")))
        // While B waits, A lets go and runs: it issues and delivers its own files.
        let clock = MeanwhileClock(inner: fleet.f.clock) {
            await held.release()
            _ = try? await fleet.run(on: "host-a")
        }

        let summary = try await fleet.run(on: "host-b", clock: clock)
        #expect(summary.outcomes.map(\.kind) == [.delivered], "\(summary.outcomes)")
        #expect(vendor.regenerateCount == 1)
        #expect(fleet.key(on: "host-a") == vendor.validKey)
        #expect(fleet.key(on: "host-b") == vendor.validKey)
        #expect(try await fleet.history.hostsPending(of: Self.hosts) == ["host-c"])
    }
}
