import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyEffects
import RekeyModel
import RekeyPostgresStore
import RekeyRunner
import RekeySchedule
import RekeyTestSupport
import Testing

/// `rekey audit migrate` from a real SQLite state directory into a real PostgreSQL database.
@Suite(.timeLimit(.minutes(3))) struct AuditMigrationTests {
    struct Fixture {
        let state: TemporaryDirectory
        let cluster: PostgresTestCluster
        let url: PostgresURL
        let fleetKey = FleetKey(bytes: Array(repeating: 7, count: 32)).auditKey
        var directory: StateDirectory { StateDirectory(path: state.path) }
        var sqlite: String { state.file("audit.sqlite") }

        static func make(events: Int) async throws -> Fixture? {
            guard let cluster = await PostgresTestCluster.shared else { return nil }
            let f = Fixture(
                state: try TemporaryDirectory(), cluster: cluster,
                url: try PostgresURL(parsing: try cluster.makeDatabase()))
            try f.directory.prepare()
            let key = try AuditKey.loadOrCreate(path: f.directory.auditKey)
            let log = try SQLiteAuditLog(path: f.sqlite, key: key, headPath: f.directory.auditHead)
            for index in 0..<events {
                var event = AuditEvent(
                    time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), runID: "run-\(index / 4)",
                    step: [.intent, .issued, .sinkWritten, .done][index % 4], job: "job-\(index % 3)")
                event.newFingerprint = index % 4 == 3 ? "fp-\(index)" : nil
                try await log.append(event)
            }
            return f
        }

        func migration() -> AuditMigration {
            AuditMigration(
                sqlitePath: sqlite, stateDirectory: state.path, target: url, fleetKey: fleetKey, password: nil,
                runID: "migrate-1", now: Date(timeIntervalSince1970: 1_800_100_000))
        }

        func postgresEvents() async throws -> [AuditEvent] {
            let reader = try await PostgresAuditLog.openReader(url: url, password: nil)
            defer { reader.close() }
            return try await reader.events(AuditEventFilter())
        }
    }

    @Test func everyEventIsRechainedUnderTheFleetKeyAndTheSQLiteHeadIsRecorded() async throws {
        guard let f = try await Fixture.make(events: 12) else { return }
        defer { f.state.remove() }
        let before = try await SQLiteAuditReader(path: f.sqlite).events(AuditEventFilter())
        let outcome = try await f.migration().run()
        #expect(outcome.events == 12)
        #expect(outcome.sqliteHead == AuditHead(count: 12, hash: before.last?.hash ?? ""))
        let after = try await f.postgresEvents()
        #expect(after.count == 13)
        func content(_ event: AuditEvent) -> AuditEvent {
            var event = event
            (event.sequence, event.prevHash, event.hash) = (nil, nil, nil)
            return event
        }
        #expect(after.prefix(12).map(content) == before.map(content))
        #expect(after.last?.step == .migrated)
        #expect(after.last?.message?.contains("12 \(before.last?.hash ?? "-")") == true)
        // Re-chained: other hashes, and the chain verifies under the fleet key only.
        #expect(after.first?.hash != before.first?.hash)
        let reader = try await PostgresAuditLog.openReader(url: f.url, password: nil)
        defer { reader.close() }
        #expect(try await PostgresAuditVerifier.verify(reader, key: f.fleetKey, localHeadPath: nil) == .ok(count: 13))
        let sqliteKey = try AuditKey.load(path: f.directory.auditKey)
        #expect(try await !PostgresAuditVerifier.verify(reader, key: sqliteKey, localHeadPath: nil).isOK)
        #expect(MigratedMarker.read(stateDirectory: f.state.path) == f.url.description)
        // The per-job state table is built in the same transaction: plan reads it at once.
        #expect(try await reader.jobStates(version: JobHistoryProjection.version)?.count == 3)
    }

    @Test func aMigratedStateDirectoryRefusesToRotateAndSaysWhatToDo() async throws {
        guard let f = try await Fixture.make(events: 4) else { return }
        defer { f.state.remove() }
        _ = try await f.migration().run()
        let paths = ResolvedPaths(jobs: f.state.path, stateDirectory: f.state.path, database: f.sqlite)
        do {
            _ = try RunEnvironment.production(paths: paths, log: { _ in })
            Issue.record("a run started on a migrated state directory")
        } catch {
            #expect(error.description.contains("migrated to \(f.url)"))
            #expect(error.description.contains("remove \(MigratedMarker.fileName)"))
        }
        await #expect(throws: AuditMigrationError.self) { try await f.migration().run() }
    }

    @Test func aNonEmptyTargetIsRefusedAndLeftAsItWas() async throws {
        guard let f = try await Fixture.make(events: 4) else { return }
        defer { f.state.remove() }
        let other = try await PostgresAuditLog.open(url: f.url, password: nil, key: f.fleetKey, headPath: nil)
        try await other.append(AuditEvent(time: Date(), runID: "fleet", step: .runStarted))
        other.close()
        do {
            _ = try await f.migration().run()
            Issue.record("migrated into a log that holds events")
        } catch let error as PostgresStoreError {
            #expect(error.description.contains("already holds 1"))
        }
        #expect(try await f.postgresEvents().count == 1)
        #expect(MigratedMarker.read(stateDirectory: f.state.path) == nil)
    }

    /// A secret in the spool was issued and is not delivered yet; its fingerprint is under
    /// this host's audit key, which no fleet host has (a fleet host could not even check a
    /// remote sink's read-back against it). It is delivered first, on one host.
    @Test func aStateDirectoryWithASpooledSecretIsNotMigratedUntilItIsDelivered() async throws {
        guard let f = try await Fixture.make(events: 4) else { return }
        defer { f.state.remove() }
        try await LocalSpool(directory: f.directory.spool).write(
            SpooledSecret(
                job: "job-1", secret: Secret("undelivered-key"), fingerprint: "fp-9", issuedAt: Date(), expiry: nil))
        do {
            _ = try await f.migration().run()
            Issue.record("migrated a state directory whose spool holds a secret")
        } catch let error as AuditMigrationError {
            #expect(error.description.contains("job-1"), "\(error)")
            #expect(error.description.contains("rekey recover"), "\(error)")
            #expect(!error.description.contains("undelivered-key"))
        }
        #expect(try await f.postgresEvents().isEmpty)
        #expect(MigratedMarker.read(stateDirectory: f.state.path) == nil)
    }

    @Test func aSQLiteLogThatDoesNotVerifyIsNotCarriedOver() async throws {
        guard let f = try await Fixture.make(events: 4) else { return }
        defer { f.state.remove() }
        // The head says 5 events: the log lost its newest one.
        AuditHead(count: 5, hash: "lost").save(
            to: f.directory.auditHead, key: try AuditKey.load(path: f.directory.auditKey))
        await #expect(throws: AuditMigrationError.self) { try await f.migration().run() }
        #expect(MigratedMarker.read(stateDirectory: f.state.path) == nil)
    }

    @Test func oneHostsWiringRefusesAPostgreSQLLog() throws {
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let paths = ResolvedPaths(
            jobs: state.path, stateDirectory: state.path, database: "postgres://rekey@db.internal/rekey")
        do {
            _ = try RunEnvironment.production(paths: paths, log: { _ in })
            Issue.record("a run against PostgreSQL started")
        } catch {
            #expect(error.description.contains("without fleet leases"))
            #expect(error.exitStatus == .jobFailed)
        }
        #expect(!FileManager.default.fileExists(atPath: state.file("audit.key")))
    }
}
