import Foundation
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {
    /// The real binary against a real PostgreSQL: a host's SQLite log migrated into a fleet's
    /// database, the read-side commands reading it through `--db` and REKEY_DB, and the
    /// rotating commands refused (against PostgreSQL, and on the migrated state directory).
    @Suite(.timeLimit(.minutes(5))) struct FleetAuditCommandTests {
        @Test func aHostsLogMigratesAndPlanReportAndVerifyReadThePostgreSQLLog() async throws {
            guard let cluster = await PostgresTestCluster.shared else { return }
            let dir = try TemporaryDirectory(prefix: "rekey-fleet")
            defer { dir.remove() }
            for name in ["a", "b"] {
                try dir.write(
                    "jobs/\(name).yaml",
                    """
                    name: job-\(name)
                    tenant: t
                    env: prod
                    provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
                    credentials: {api_key: {sink: s}}
                    policy: {every: 30d}
                    sinks: [{id: s, kind: file, path: ../sinks/\(name).key}]

                    """)
            }
            let key = try dir.write("fleet.key", String(repeating: "f", count: 48))
            chmod(key, 0o600)
            try dir.write("rekey.yaml", "fleet:\n  key: {file: fleet.key}\n")
            let common = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]
            let baseline = try RekeyProcess.run(["baseline"] + common)
            #expect(baseline.status == 0, "\(baseline.stderr)")

            let url = try cluster.makeDatabase()
            let migrate = try RekeyProcess.run(
                ["audit", "migrate", "--from", dir.file("state/audit.sqlite"), "--to", url] + common)
            #expect(migrate.status == 0, "\(migrate.stderr)")
            #expect(migrate.stdout.contains("is marked migrated"))

            let verify = try RekeyProcess.run(["audit", "verify", "--db", url] + common)
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(verify.stdout.contains("OK: "))
            #expect(verify.stdout.contains("per-job state table: OK (2 jobs match the chain)"))
            let fromEnvironment = try RekeyProcess.run(
                ["audit", "verify"] + common,
                environment: ProcessInfo.processInfo.environment.merging(["REKEY_DB": url]) { $1 })
            #expect(fromEnvironment.stdout == verify.stdout, "\(fromEnvironment.stderr)")

            let report = try RekeyProcess.run(["audit", "report", "--db", url, "--format", "json"] + common)
            #expect(report.status == 0, "\(report.stderr)")
            #expect(report.stdout.contains("job-a") && report.stdout.contains("job-b"))
            let sqliteReport = try RekeyProcess.run(["audit", "report", "--format", "json"] + common)
            // The same report as the SQLite log gave, but for the time it was generated.
            // Both reports but for when they were made: the time, and each job's age then.
            func withoutGenerationTime(_ text: String) -> [Substring] {
                text.split(separator: "\n").filter { !$0.contains("generated_at") && !$0.contains("age_seconds") }
            }
            #expect(withoutGenerationTime(report.stdout) == withoutGenerationTime(sqliteReport.stdout))
            let plan = try RekeyProcess.run(["plan", "--db", url] + common)
            #expect(plan.status == 0, "\(plan.stderr)")

            // A fleet run refuses jobs with file sinks and no `host:`; the migrated SQLite state
            // refuses to rotate at all.
            let fleetRun = try RekeyProcess.run(["run", "--db", url, "--host", "h1"] + common)
            #expect(fleetRun.status == 1)
            #expect((fleetRun.stdout + fleetRun.stderr).contains("must name the host that writes it"))
            let localRun = try RekeyProcess.run(["run"] + common)
            #expect(localRun.status == 1)
            #expect(localRun.stderr.contains("migrated to postgres://"))

            // A row changed in the database is caught by the binary's verify.
            let database = PostgresTestCluster.databaseName(of: url)
            try cluster.psql(
                database: database,
                "ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET message = 'edited' WHERE seq = 2")
            let tampered = try RekeyProcess.run(["audit", "verify", "--db", url] + common)
            #expect(tampered.status == 1)
            #expect(tampered.stderr.contains("FAILED at event 2"), "\(tampered.stderr)")
        }

        @Test func aPostgreSQLLogWithoutAFleetKeySaysWhereTheKeyGoes() throws {
            let dir = try TemporaryDirectory(prefix: "rekey-fleet")
            defer { dir.remove() }
            try dir.write("jobs/a.yaml", "")
            let verify = try RekeyProcess.run([
                "audit", "verify", "--db", "postgres://rekey@127.0.0.1:1/rekey", "--jobs", dir.file("jobs"),
                "--state-dir", dir.file("state"),
            ])
            #expect(verify.status != 0)
            #expect(verify.stderr.contains("fleet: {key: {file:"), "\(verify.stderr)")
        }
    }
}
