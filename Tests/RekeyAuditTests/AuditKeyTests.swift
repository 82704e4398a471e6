import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyAudit

/// The audit key is never silently replaced and never used when others can read it.
@Suite struct AuditKeyTests {
    @Test func aMissingKeyBesideAnExistingLogIsRefusedWithTheWayOut() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = #expect(throws: AuditKeyError.self) {
            try AuditKey.loadOrCreate(path: dir.file("audit.key"), mayCreate: false)
        }
        #expect(error?.description.contains("Restore the key from your backup") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("audit.key")))
    }

    @Test func aKeyOthersCanReadIsRefusedNamingTheCommandThatFixesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("audit.key")
        _ = try AuditKey.loadOrCreate(path: path)
        chmod(path, 0o644)
        let error = #expect(throws: AuditKeyError.self) { try AuditKey.loadOrCreate(path: path) }
        #expect(error?.description.contains("chmod 600 \(path)") == true)
        #expect(throws: AuditKeyError.self) { try AuditKey.load(path: path) }
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o644, "the mode must not be tightened silently")
    }

    @Test func groupReadForOneOfRekeysOwnGroupsIsAccepted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("audit.key")
        _ = try AuditKey.loadOrCreate(path: path)
        chown(path, geteuid(), getegid())
        chmod(path, 0o440)
        #expect(throws: Never.self) { try AuditKey.load(path: path) }
    }
}
