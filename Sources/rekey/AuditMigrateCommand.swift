// `rekey audit migrate --from <sqlite> --to <postgres url>`: move this host's audit log into
// a fleet's empty PostgreSQL database (see `AuditMigration`).

import ArgumentParser
import Foundation
import RekeyPostgresStore
import RekeyRunner

struct AuditMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move this host's SQLite audit log into a fleet's empty PostgreSQL database.",
        discussion: """
            Verifies the SQLite chain with the state directory's audit.key, refuses a state directory whose \
            spool still holds an undelivered secret (run `rekey recover` first), refuses a target that holds any \
            event, re-chains every event under the key derived from rekey.yaml's fleet.key, and appends a \
            `migrated` event holding the SQLite chain's head. The state directory is then marked "migrated \
            to <url>": a run against its SQLite log refuses to start. The password comes from PGPASSWORD or \
            ~/.pgpass, never from the URL.
            """)

    @OptionGroup var shared: SharedOptions

    @Option(help: ArgumentHelp("The SQLite audit log to migrate (<state-dir>/audit.sqlite).", valueName: "file"))
    var from: String

    @Option(help: ArgumentHelp("The empty PostgreSQL database: postgres://user@host:5432/db.", valueName: "url"))
    var to: String

    func validate() throws {
        do {
            _ = try PostgresURL(parsing: to)
        } catch {
            throw ValidationError("--to: \(error)")
        }
    }

    func run() async throws {
        let workspace = try shared.workspace()
        let migration = try AuditMigration.prepare(workspace: workspace, from: from, to: to, now: Date())
        let outcome = try await migration.run()
        Console.out(
            "migrated \(outcome.events) events from \(migration.sqlitePath) to \(migration.target) (SQLite chain head \(outcome.sqliteHead.count) \(outcome.sqliteHead.hash)); \(migration.stateDirectory) is marked migrated"
        )
    }
}
