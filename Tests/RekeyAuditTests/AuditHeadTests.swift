import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyAudit

/// The head outside the database is signed with the audit key, and a writer refuses to
/// extend a log that is behind it: deleting the newest events (and letting the next run
/// append) or writing a head by hand no longer makes `audit verify` say OK.
@Suite struct AuditHeadTests {
    typealias Fixture = SQLiteAuditLogTests.Fixture

    @Test func aWriterRefusesALogWhoseNewestEventsWereDeleted() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(5)
        let (status, output) = try f.sqlite("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq > 3")
        #expect(status == 0, "\(output)")
        #expect(throws: AuditLogError.self) { try f.store() }
        #expect(try f.verify().description.contains("truncated"))
    }

    @Test func aHeadWrittenByHandFromAHashInTheDatabaseIsRefused() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(5)
        let (_, hash) = try f.sqlite("SELECT hash FROM events WHERE seq = 3")
        let (status, output) = try f.sqlite("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq > 3")
        #expect(status == 0, "\(output)")
        try "3 \(hash.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(
            toFile: f.head, atomically: false, encoding: .utf8)
        #expect(!(try f.verify().isOK))
        try "3 \(hash.trimmingCharacters(in: .whitespacesAndNewlines)) 0123abcd\n".write(
            toFile: f.head, atomically: false, encoding: .utf8)
        #expect(try f.verify().description.contains("not signed"))
        #expect(throws: AuditLogError.self) { try f.store() }
    }

    @Test func anUnsignedHeadThatMatchesTheLogIsSignedByTheNextAppend() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        try await f.fill(2)
        let (_, hash) = try f.sqlite("SELECT hash FROM events WHERE seq = 2")
        try "2 \(hash.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(
            toFile: f.head, atomically: false, encoding: .utf8)
        try await f.store().append(SQLiteAuditLogTests.event(.done))
        #expect(try f.verify() == .ok(count: 3))
    }

    @Test func theHeadFollowsEveryCommitIsPrivateAndLeavesNoTemporaryFileBehind() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let store = try f.store()
        for expected in Int64(1)...3 {
            try await store.append(SQLiteAuditLogTests.event(.done))
            guard case .authentic(let head) = AuditHead.read(from: f.head, key: f.key) else {
                Issue.record("audit.head is not an authentic head after commit \(expected)")
                return
            }
            #expect(head.count == expected)
        }
        var status = stat()
        #expect(stat(f.head, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.dir.path).filter { $0.contains("tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
