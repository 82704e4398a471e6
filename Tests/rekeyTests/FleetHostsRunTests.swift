import Foundation
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {
    /// `hosts: [..]` with the real binary: each host has its own copy of the job files (their
    /// relative file sinks resolve into that host's directory, as each machine's checkout
    /// would) and its own state directory; one real PostgreSQL; the sandbox vendor. Every job
    /// is regenerated once, every listed host writes its own file and reloads its own app,
    /// a host that is down is shown pending by `plan`, and the job is done when it delivers.
    @Suite(.serialized, .timeLimit(.minutes(4))) struct FleetHostsRunTests {
        static let hosts = ["host-a", "host-b", "host-c"]
        static let jobCount = 4

        final class Fixture: Sendable {
            let dir: TemporaryDirectory
            let sandbox: SandboxProcess

            init() throws {
                dir = try TemporaryDirectory(prefix: "rekey-fleet-hosts")
                sandbox = try SandboxProcess(arguments: [
                    "--accounts", "\(FleetHostsRunTests.jobCount)", "--latency", "50ms",
                ])
                let key = try dir.write("fleet.key", String(repeating: "k", count: 40))
                chmod(key, 0o600)
                let hostList = FleetHostsRunTests.hosts.joined(separator: ", ")
                for host in FleetHostsRunTests.hosts {
                    var yaml = """
                        defaults:
                          tenant: acme
                          provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString)}
                          policy: {every: 30d, retry: {attempts: 3, base: 20ms, max: 100ms, timeout: 2s}}
                        jobs:

                        """
                    for (index, account) in sandbox.accounts.enumerated() {
                        try dir.write("\(host)/jobs/keys/job-\(index).key", account.key)
                        chmod(dir.file("\(host)/jobs/keys/job-\(index).key"), 0o600)
                        yaml += """
                              - name: job-\(index)
                                env: env-\(index)
                                hosts: [\(hostList)]
                                provider: {organization_id: "\(account.organization)"}
                                credentials: {api_key: {sink: key}}
                                sinks: [{id: key, kind: file, path: keys/job-\(index).key}]
                                hooks: [{argv: [/usr/bin/touch, "\(dir.file("\(host)/reloaded-job-\(index)"))"]}]

                            """
                    }
                    try dir.write("\(host)/jobs/fleet.yaml", yaml)
                    try dir.write("\(host)/rekey.yaml", "fleet:\n  key: {file: \(key)}\n  lease: 10s\n")
                }
            }

            static func make() async throws -> Fixture { try await OffPool.run { try Fixture() } }

            /// `command` on `host`, with its jobs and state; `--host` for the commands that take it.
            func arguments(_ command: [String], db: String, host: String, identity: Bool = true) -> [String] {
                command + (identity ? ["--host", host] : []) + [
                    "--db", db, "--jobs", dir.file("\(host)/jobs"), "--state-dir", dir.file("\(host)/state"),
                ]
            }

            func run(_ arguments: [String]) async throws -> RekeyProcess.Result {
                try await OffPool.run { try RekeyProcess.run(arguments) }
            }

            func key(_ index: Int, on host: String) -> String? {
                try? String(contentsOfFile: dir.file("\(host)/jobs/keys/job-\(index).key"), encoding: .utf8)
            }

            func reloaded(_ index: Int, on host: String) -> Bool {
                FileManager.default.fileExists(atPath: dir.file("\(host)/reloaded-job-\(index)"))
            }

            func stop() {
                sandbox.stop()
                dir.remove()
            }
        }

        @Test func eachListedHostDeliversItsOwnFileAndAHostThatWasDownIsPendingUntilItRuns() async throws {
            guard let cluster = await PostgresTestCluster.shared else { return }
            let url = try await cluster.newDatabase()
            let database = PostgresTestCluster.databaseName(of: url)
            let f = try await Fixture.make()
            defer { f.stop() }

            // host-c is down at rotation time; host-a and host-b run from the same schedule.
            async let a = f.run(f.arguments(["run", "--trigger", "cron"], db: url, host: "host-a"))
            async let b = f.run(f.arguments(["run", "--trigger", "cron"], db: url, host: "host-b"))
            for (host, result) in zip(["host-a", "host-b"], try await [a, b]) {
                #expect(result.status == 0, "\(host): \(result.stdout)\n\(result.stderr)")
            }
            let sandbox = f.sandbox
            let live = try await OffPool.run { try sandbox.currentKeys() }
            let regenerates = {
                try await OffPool.run { try sandbox.requests() }.filter { $0.endpoint == "regenerate" }
            }
            #expect(try await regenerates().count == Self.jobCount)
            for (index, account) in sandbox.accounts.enumerated() {
                let key = try #require(live[account.organization])
                #expect(key != account.key, "job-\(index) was not rotated")
                for host in ["host-a", "host-b"] {
                    #expect(f.key(index, on: host) == key, "job-\(index) on \(host)")
                    #expect(f.reloaded(index, on: host), "job-\(index) on \(host)")
                }
                #expect(f.key(index, on: "host-c") == account.key)
                #expect(!f.reloaded(index, on: "host-c"))
            }
            #expect(
                try await cluster.query(database: database, "SELECT count(*) FROM events WHERE step = 'done'")
                    .hasPrefix("0"))

            // `plan` (on any host) says who is pending.
            let plan = try await f.run(
                f.arguments(["plan", "--format", "json"], db: url, host: "host-a", identity: false))
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(
                plan.stdout.components(separatedBy: "\"pending_hosts\"").count - 1 == Self.jobCount, "\(plan.stdout)")
            let table = try await f.run(f.arguments(["plan"], db: url, host: "host-b", identity: false))
            #expect(table.stdout.contains("pending on host-c"), "\(table.stdout)")

            // host-c comes back: it delivers its own files from the shared spool and completes each job.
            let c = try await f.run(f.arguments(["run", "--trigger", "cron"], db: url, host: "host-c"))
            #expect(c.status == 0, "\(c.stdout)\n\(c.stderr)")
            #expect(try await regenerates().count == Self.jobCount)
            for (index, account) in sandbox.accounts.enumerated() {
                #expect(f.key(index, on: "host-c") == live[account.organization], "job-\(index) on host-c")
                #expect(f.reloaded(index, on: "host-c"))
            }
            #expect(
                try await cluster.query(database: database, "SELECT count(*) FROM events WHERE step = 'done'")
                    .hasPrefix(
                        "\(Self.jobCount)"))
            #expect(
                try await cluster.query(database: database, "SELECT count(*) FROM events WHERE step = 'delivered'")
                    .hasPrefix(
                        "\(Self.jobCount * Self.hosts.count)"))
            #expect(try await cluster.query(database: database, "SELECT count(*) FROM spool").hasPrefix("0"))

            // A second round on every host rotates nothing, and the chain verifies.
            for host in Self.hosts {
                let again = try await f.run(f.arguments(["run", "--trigger", "cron"], db: url, host: host))
                #expect(again.status == 0, "\(host): \(again.stdout)\n\(again.stderr)")
            }
            #expect(try await regenerates().count == Self.jobCount)
            let verify = try await f.run(f.arguments(["audit", "verify"], db: url, host: "host-a", identity: false))
            #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        }
    }
}
