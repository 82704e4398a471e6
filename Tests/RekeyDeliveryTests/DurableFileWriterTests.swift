import Foundation
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyAudit
@testable import RekeyDelivery

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct DurableFileWriterTests {
    let bytes = Array("s3cret".utf8)

    @Test func aNewFileIsNeverWiderThan0600AtAnyStepAndEnds0600() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let seen = Mutex<[(DurableWriteStep, UInt16?)]>([])
        let hook = DurableWriteHook { step, temporary in
            seen.withLock { $0.append((step, statOf(temporary)?.mode)) }
            return nil
        }
        let target = dir.file("key")
        try DurableFileWriter(hook: hook).replaceContents(of: target, with: bytes, newFile: NewFileAttributes())
        #expect(statOf(target)?.mode == 0o600)
        #expect(contents(target) == "s3cret")
        let observed = seen.withLock { $0 }
        #expect(observed.map(\.0) == [.create, .write, .chown, .chmod, .fsync, .close, .rename, .syncDirectory])
        // Right after create (before the write) the temp file already exists at 0600.
        #expect(observed[1].1 == 0o600)
        for (_, mode) in observed {
            if let mode { #expect(mode & ~0o600 == 0, "the temp file must never be wider than 0600") }
        }
        #expect(entries(dir.path) == ["key"])
    }

    @Test func aNewFileGetsTheSpecsModeOwnerAndGroup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = dir.file("key")
        try DurableFileWriter().replaceContents(
            of: target, with: bytes, newFile: NewFileAttributes(mode: 0o640, owner: "1234", group: "2345"))
        #expect(statOf(target) == StatResult(mode: 0o640, uid: 1234, gid: 2345, isSymlink: false))
    }

    @Test func anExistingFileKeepsItsModeOwnerAndGroup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try dir.write("key", "old")
        chownPath(target, uid: 1234, gid: 4321)
        chmodPath(target, 0o640)
        try DurableFileWriter().replaceContents(of: target, with: bytes, newFile: NewFileAttributes(mode: 0o600))
        #expect(statOf(target) == StatResult(mode: 0o640, uid: 1234, gid: 4321, isSymlink: false))
        #expect(contents(target) == "s3cret")
    }

    @Test func aSymlinkedPathWritesTheFileItPointsTo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let real = try dir.write("real/key", "old")
        chmodPath(real, 0o640)
        let link = dir.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real/key")
        let written = try DurableFileWriter().replaceContents(of: link, with: bytes, newFile: NewFileAttributes())
        #expect(written == dir.path + "/real/key")
        #expect(statOf(link, followLinks: false)?.isSymlink == true)
        #expect(contents(real) == "s3cret")
        #expect(statOf(real)?.mode == 0o640)
        #expect(entries(dir.path + "/real") == ["key"])
    }

    @Test func aDanglingSymlinkIsAnErrorAndCreatesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let link = dir.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir.file("missing"))
        #expect(throws: SinkError.danglingSymlink(path: link, target: dir.file("missing"))) {
            try DurableFileWriter().replaceContents(of: link, with: bytes, newFile: NewFileAttributes())
        }
        #expect(entries(dir.path) == ["link"])
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: SinkError.directoryMissing(directory: dir.file("nope"))) {
            try DurableFileWriter().replaceContents(of: dir.file("nope/key"), with: bytes, newFile: NewFileAttributes())
        }
    }

    @Test func aDirectoryAtThePathIsNotARegularFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("key"), withIntermediateDirectories: false)
        #expect(throws: SinkError.notARegularFile(path: dir.file("key"))) {
            try DurableFileWriter().replaceContents(of: dir.file("key"), with: bytes, newFile: NewFileAttributes())
        }
    }

    @Test func aFullDiskDuringTheWriteIsTypedAndLeavesTheOldFileAndNoTempFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try dir.write("key", "old")
        let error = #expect(throws: SinkError.self) {
            try DurableFileWriter(hook: .fail(at: .write, errno: ENOSPC))
                .replaceContents(of: target, with: bytes, newFile: NewFileAttributes())
        }
        guard case .diskFull(_, .write) = error else {
            Issue.record("expected diskFull at write, got \(String(describing: error))")
            return
        }
        #expect(error?.needsRecovery == false)
        #expect(error?.description.contains("No space left") == true)
        #expect(contents(target) == "old")
        #expect(entries(dir.path) == ["key"])
    }

    @Test(arguments: [DurableWriteStep.create, .write, .chown, .chmod, .fsync, .close, .rename])
    func aFailureBeforeTheRenameKeepsTheOldFileAndCleansUp(step: DurableWriteStep) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try dir.write("key", "old")
        #expect(throws: SinkError.self) {
            try DurableFileWriter(hook: .fail(at: step, errno: EIO))
                .replaceContents(of: target, with: bytes, newFile: NewFileAttributes())
        }
        #expect(contents(target) == "old")
        #expect(entries(dir.path) == ["key"])
    }

    @Test func aFailedDirectorySyncIsReportedAfterTheNewContentIsInPlace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try dir.write("key", "old")
        #expect(throws: SinkError.self) {
            try DurableFileWriter(hook: .fail(at: .syncDirectory, errno: EIO))
                .replaceContents(of: target, with: bytes, newFile: NewFileAttributes())
        }
        #expect(contents(target) == "s3cret")
        #expect(entries(dir.path) == ["key"])
    }

    @Test func permissionErrorsSayWhatToDo() {
        let error = SinkError.from(errno: EACCES, path: "/etc/app/key", step: .create)
        #expect(error == .permissionDenied(path: "/etc/app/key", step: .create))
        #expect(error.description.contains("rekey recover"))
    }
}
