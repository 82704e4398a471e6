import Foundation
import RekeyDelivery
import RekeyModel
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spool never follows a symlink: not for its directory, not for an entry, neither to
/// write nor to read.
@Suite struct SpoolOwnershipTests {
    static let spooled = SpooledSecret(
        job: "acme-prod", secret: Secret("s3cr3t-new"), fingerprint: "abcd", issuedAt: Date(), expiry: nil)

    @Test func aSymlinkAtASpoolEntryIsNeitherWrittenThroughNorRead() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let victim = try dir.write("theirs/victim.json", "{}")
        try FileManager.default.createDirectory(atPath: dir.file("spool"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("spool/acme-prod.json"), withDestinationPath: victim)
        let spool = LocalSpool(directory: dir.file("spool"))
        await #expect(throws: SpoolError.self) { try await spool.write(Self.spooled) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "{}")
        let error = #expect(throws: SpoolError.self) { try spool.read(job: "acme-prod") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("never follows a link"))
    }

    @Test func aSpoolDirectoryThatIsASymlinkIsRefusedWithTheFix() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("spool"), withDestinationPath: "elsewhere")
        let spool = LocalSpool(directory: dir.file("spool"))
        let error = await #expect(throws: SpoolError.self) { try await spool.write(Self.spooled) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("Remove the symlink \(dir.file("spool"))"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("elsewhere")).isEmpty)
    }
}
