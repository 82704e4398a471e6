import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// Fleet runs of the real binary: three `rekey run` processes with their own `--host` and
    /// state directory on one real PostgreSQL (directly, and through pgbouncer in transaction
    /// mode), rotating QuestionPro jobs of the sandbox whose only sink is a real OpenBao KV
    /// secret (so any host may take them). Every job is rotated exactly once (the vendor's
    /// regenerate count), every host takes a share, every sink holds the vendor's one live key,
    /// and the shared chain verifies.
    @Suite(.serialized, .timeLimit(.minutes(5))) struct FleetRunTests {
        static let jobCount = 60

        @Test(arguments: [false, true])
        func threeHostsRotateEveryDueJobExactlyOnce(throughPgBouncer: Bool) async throws {
            guard let cluster = await PostgresTestCluster.shared, let vault = await LocalStoreServer.openBao else {
                return
            }
            let direct = try cluster.makeDatabase()
            guard let url = throughPgBouncer ? await cluster.throughPgBouncer(direct) : direct else { return }
            let fleet = try await FleetFixture.make(vault: vault, jobCount: Self.jobCount, sandboxLatency: "200ms")
            defer { fleet.stop() }

            let hosts = ["host-a", "host-b", "host-c"]
            async let a = fleet.runDetached(
                fleet.arguments(["run", "--trigger", "cron", "--concurrency", "2"], db: url, host: hosts[0]))
            async let b = fleet.runDetached(
                fleet.arguments(["run", "--trigger", "cron", "--concurrency", "2"], db: url, host: hosts[1]))
            async let c = fleet.runDetached(
                fleet.arguments(["run", "--trigger", "cron", "--concurrency", "2"], db: url, host: hosts[2]))
            let results = try await [a, b, c]
            for (host, result) in zip(hosts, results) {
                #expect(result.status == 0, "\(host): \(result.stdout)\n\(result.stderr)")
            }

            // Exactly once: one regenerate per job at the vendor, one `done` per job in the log.
            let sandbox = fleet.sandbox
            let regenerates = try await OffPool.run { try sandbox.requests() }.filter { $0.endpoint == "regenerate" }
            #expect(regenerates.count == Self.jobCount)
            let database = PostgresTestCluster.databaseName(of: direct)
            let doneByHost = try cluster.psql(
                database: database, "SELECT host, count(*) FROM events WHERE step = 'done' GROUP BY host ORDER BY host")
            var counts: [String: Int] = [:]
            for line in doneByHost.split(separator: "\n") {
                let fields = line.split(separator: "\t")
                if fields.count == 2 { counts[String(fields[0])] = Int(fields[1]) }
            }
            #expect(counts.values.reduce(0, +) == Self.jobCount, "\(counts)")
            for host in hosts { #expect((counts[host] ?? 0) >= 10, "\(host) rotated \(counts[host] ?? 0): \(counts)") }

            // Every sink holds the vendor's one live key; nothing waits in the shared spool.
            let live = try await OffPool.run { try sandbox.currentKeys() }
            for (index, account) in fleet.sandbox.accounts.enumerated() {
                #expect(try await fleet.vaultValue(index) == live[account.organization], "job-\(index)")
            }
            #expect(
                try cluster.psql(database: database, "SELECT count(*) FROM spool").trimmingCharacters(
                    in: .whitespacesAndNewlines) == "0")

            // A second round on every host finds nothing due and rotates nothing.
            let again = try await fleet.runDetached(
                fleet.arguments(["run", "--trigger", "cron"], db: url, host: hosts[1]))
            #expect(again.status == 0, "\(again.stderr)")
            #expect(
                try await OffPool.run { try sandbox.requests() }.filter { $0.endpoint == "regenerate" }.count
                    == Self.jobCount)

            // The report names the host of each job's last rotation.
            let report = try await fleet.runDetached(
                ["audit", "report", "--format", "json", "--db", direct, "--jobs", fleet.dir.file("jobs")])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(report.stdout.contains("\"last_host\""))
            for host in hosts { #expect(report.stdout.contains("\"\(host)\""), "\(host)") }

            let verify = try await fleet.runDetached(
                fleet.arguments(["audit", "verify"], db: direct, host: hosts[0]).filter {
                    $0 != "--host" && $0 != hosts[0]
                })
            #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        }

        /// Two live processes with one identity: the second is refused before it claims anything.
        @Test func aSecondLiveProcessWithTheSameHostIdentityIsRefused() async throws {
            guard let cluster = await PostgresTestCluster.shared, let vault = await LocalStoreServer.openBao else {
                return
            }
            let url = try cluster.makeDatabase()
            let fleet = try await FleetFixture.make(vault: vault, jobCount: Self.jobCount, sandboxLatency: "400ms")
            defer { fleet.stop() }
            // The first holds its registration while its rotations wait on the slow vendor.
            let first = try RekeyProcess.start(
                fleet.arguments(["run", "--concurrency", "1"], db: url, host: "same"), environment: fleet.environment)
            defer {
                first.terminate()
                first.waitUntilExit()
            }
            let database = PostgresTestCluster.databaseName(of: url)
            let deadline = Date() + 60
            while Date() < deadline {
                let count = try? cluster.psql(database: database, "SELECT count(*) FROM hosts WHERE host = 'same'")
                if count?.trimmingCharacters(in: .whitespacesAndNewlines) == "1" {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let second = try await fleet.runDetached(
                fleet.arguments(["run"], db: url, host: "same").map {
                    $0 == fleet.dir.file("state-same") ? fleet.dir.file("state-other") : $0
                })
            #expect(second.status != 0)
            #expect(
                second.stderr.contains("another live rekey process is registered as host 'same'"), "\(second.stderr)")
        }

        /// `adopt` ends its host registration before it exits, so the same operator identity
        /// can adopt again at once (it once left it for a task the exit cut off, and a second
        /// adopt within one lease was refused as a live duplicate).
        @Test func twoAdoptsInARowUnderOneIdentityBothRun() async throws {
            guard let cluster = await PostgresTestCluster.shared, let vault = await LocalStoreServer.openBao else {
                return
            }
            let url = try cluster.makeDatabase()
            let fleet = try await FleetFixture.make(vault: vault, jobCount: 2, sandboxLatency: "1ms")
            defer { fleet.stop() }
            let sandbox = fleet.sandbox
            let live = try await OffPool.run { try sandbox.currentKeys() }
            for (index, account) in fleet.sandbox.accounts.enumerated() {
                let adopted = try await fleet.adopt(
                    "job-\(index)", key: live[account.organization] ?? "", db: url, host: "operator", state: "state-op")
                #expect(adopted.status == 0, "adopt \(index): \(adopted.stdout)\n\(adopted.stderr)")
            }
        }
    }
}
