import Foundation
import RekeyConfig
import RekeyTestSupport
import Testing

/// rekey.yaml's `fleet:` block and a `postgres://` database, which is kept as written.
@Suite struct FleetConfigTests {
    @Test func theFleetKeyFileIsReadRelativeToRekeyYAMLAndTheDatabaseURLIsKeptAsWritten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/a.yaml", "")
        try dir.write(
            "rekey.yaml",
            "db: postgres://rekey@db.internal:5432/rekey?sslmode=require\nfleet:\n  key: {file: secrets/fleet.key}\n  lease: 5m\n"
        )
        let workspace = try WorkspaceTests.open(dir)
        #expect(workspace.configDiagnostics.isEmpty)
        #expect(workspace.paths.database == "postgres://rekey@db.internal:5432/rekey?sslmode=require")
        #expect(workspace.config.fleet.keyFile == dir.file("secrets/fleet.key"))
        #expect(workspace.config.fleet.lease?.seconds == 300)
    }

    @Test func aDatabaseURLFromTheFlagOrTheEnvironmentIsNotMadeAPath() {
        let resolver = PathResolver(
            environment: ["REKEY_DB": "postgres://rekey@db/rekey"], currentDirectory: "/work", isRoot: false,
            homeDirectory: "/home/x")
        #expect(resolver.database(flag: nil, configured: nil, stateDirectory: "/s") == "postgres://rekey@db/rekey")
        #expect(
            resolver.database(flag: "postgresql://a@b/c", configured: nil, stateDirectory: "/s") == "postgresql://a@b/c"
        )
        #expect(resolver.database(flag: "audit.sqlite", configured: nil, stateDirectory: "/s") == "/work/audit.sqlite")
    }

    @Test func anUnknownFleetKeyOrAKeyWithoutAFileIsADiagnostic() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobs/a.yaml", "")
        try dir.write("rekey.yaml", "fleet:\n  keys: {file: x}\n  key: {path: y}\n  lease: 0s\n")
        let workspace = try WorkspaceTests.open(dir)
        let messages = workspace.configDiagnostics.map(\.message)
        #expect(messages.contains { $0.contains("unknown key 'keys'") })
        #expect(messages.contains { $0.contains("unknown key 'path'") })
        #expect(messages.contains { $0.contains("'lease' must be longer than 0s") })
    }
}
