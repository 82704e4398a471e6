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

/// A state directory another user owns, or whose spool is a link, is refused (never chmod'ed).
@Suite struct StateDirectoryOwnershipTests {
    @Test func aStateDirectoryOwnedByAnotherUserIsRefusedAndLeftAsItIs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = StateDirectory(path: dir.file("state"))
        try FileManager.default.createDirectory(
            atPath: state.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(chown(state.path, 1234, 1234) == 0)
        let error = #expect(throws: StateDirectoryError.self) { try state.prepare() }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(state.path) && message.contains("uid 1234"), "\(message)")
        let mode = try FileManager.default.attributesOfItem(atPath: state.path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
    }

    @Test func aSpoolDirectoryThatIsASymlinkIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = StateDirectory(path: dir.file("state"))
        try FileManager.default.createDirectory(atPath: dir.file("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state.path, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: state.spool, withDestinationPath: dir.file("elsewhere"))
        let error = #expect(throws: StateDirectoryError.self) { try state.prepare() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("Remove the symlink \(state.spool)"))
    }
}
