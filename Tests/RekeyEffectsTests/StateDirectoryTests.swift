import Foundation
import RekeyEffects
import RekeyTestSupport
import Testing

@Suite struct StateDirectoryTests {
    @Test func prepareCreatesPrivateDirectories() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = StateDirectory(path: dir.file("state"))
        try state.prepare()
        for path in [state.path, state.spool, state.locks] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o700)
        }
    }

    @Test func aMissingAuditDatabaseWithEarlierStateRefusesToRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = StateDirectory(path: dir.path)
        try state.prepare()
        try state.checkAuditPresent(database: dir.file("audit.sqlite"))
        try dir.write("audit.key", "k")
        #expect(throws: StateDirectoryError.self) {
            try state.checkAuditPresent(database: dir.file("audit.sqlite"))
        }
    }
}
