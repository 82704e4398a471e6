import Foundation
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeyTestSupport
import Testing

@Suite struct SpoolTests {
    @Test func aSpooledSecretReadsBackAndItsFileIs0600() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spool = LocalSpool(directory: dir.path)
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        try await spool.write(
            SpooledSecret(
                job: "acme-prod", secret: Secret("s3cr3t"), fingerprint: "abcd", issuedAt: issued, expiry: nil))
        let back = try #require(try spool.read(job: "acme-prod"))
        #expect(back.secret.revealed == "s3cr3t")
        #expect(back.fingerprint == "abcd")
        #expect(back.issuedAt == issued)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("acme-prod.json"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func allSkipsTempFilesAndRemoveDeletesTheEntry() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spool = LocalSpool(directory: dir.path)
        try await spool.write(
            SpooledSecret(job: "a", secret: Secret("x"), fingerprint: "1", issuedAt: Date(), expiry: nil))
        try dir.write(".a.json.tmp-123", "partial")
        #expect(try spool.all().entries.map(\.job) == ["a"])
        await spool.remove(job: "a")
        #expect(try spool.all().entries.isEmpty)
    }

    /// One undecodable entry must not hide the others from recovery: it is reported (never
    /// with its content) and set aside, and the good entries are still returned.
    @Test func aCorruptEntryIsSetAsideAndReportedWithoutItsContentAndTheOthersStillRead() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("broken.json", "{\"secret\": \"leaky-value\"")
        let spool = LocalSpool(directory: dir.path)
        try await spool.write(
            SpooledSecret(job: "good", secret: Secret("x"), fingerprint: "1", issuedAt: Date(), expiry: nil))
        let contents = try spool.all()
        #expect(contents.entries.map(\.job) == ["good"])
        #expect(contents.unreadable.map(\.job) == ["broken"])
        #expect(!contents.unreadable.contains { $0.problem.contains("leaky-value") })
        #expect(FileManager.default.fileExists(atPath: dir.file("broken.json.unreadable")))
        #expect(try spool.all().unreadable.isEmpty)
    }

    /// One job's entries read that job's file alone, with the same rules as `all()`: a corrupt
    /// one is reported without its content and set aside; other jobs' files are not touched.
    @Test func oneJobsEntriesReadItsFileAloneAndSetACorruptOneAside() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("broken.json", "{\"secret\": \"leaky-value\"")
        try dir.write("other.json", "also not an entry")
        let spool = LocalSpool(directory: dir.path)
        try await spool.write(
            SpooledSecret(job: "good", secret: Secret("x"), fingerprint: "1", issuedAt: Date(), expiry: nil))
        let good = try await spool.entries(of: "good")
        #expect(good.entries.map(\.job) == ["good"])
        #expect(good.unreadable.isEmpty)
        let broken = try await spool.entries(of: "broken")
        #expect(broken.entries.isEmpty)
        #expect(broken.unreadable.map(\.job) == ["broken"])
        #expect(!broken.unreadable.contains { $0.problem.contains("leaky-value") })
        #expect(FileManager.default.fileExists(atPath: dir.file("broken.json.unreadable")))
        #expect(FileManager.default.fileExists(atPath: dir.file("other.json")))
        #expect(try await spool.entries(of: "missing").entries.isEmpty)
    }
}
