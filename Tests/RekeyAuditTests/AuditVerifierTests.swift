import Foundation
import GRDB
import RekeyTestSupport
import Testing

@testable import RekeyAudit
@testable import RekeyModel

/// `audit verify` encodes rows straight from their columns (`StoredAuditRow`), not from
/// `AuditEvent`s: it must hash exactly what the writer hashed, cover every column, and still
/// verify logs written before schema v4. (The tampering cases — edited, deleted, inserted,
/// reordered, truncated — are in `SQLiteAuditLogTests` and `AuditHeadTests`.)
@Suite struct AuditVerifierTests {
    typealias Fixture = SQLiteAuditLogTests.Fixture

    /// An event with the fields a seeded source picks: absent, empty, non-ASCII, extreme numbers.
    static func randomEvent(_ index: Int, _ random: SeededRandomSource) -> AuditEvent {
        func pick<T>(_ choices: [T?]) -> T? { choices[Int(random.nextUnit() * Double(choices.count))] }
        let texts: [String?] = [nil, "", "a", "ü-ß", "🔑 key; =:-", String(repeating: "x", count: 300), "\(index)"]
        let numbers: [Int?] = [nil, 0, 1, -1, 200, 429, Int.max, Int.min]
        var event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 1.337),
            runID: pick(texts) ?? "run", step: AuditStep.allCases[index % AuditStep.allCases.count], job: pick(texts),
            tenant: pick(texts), env: pick(texts), provider: pick(texts), attempt: pick(numbers),
            httpStatus: pick(numbers), vendorErrorName: pick(texts), vendorErrorID: pick(texts),
            latencyMilliseconds: pick(numbers), oldFingerprint: pick(texts), newFingerprint: pick(texts),
            expiry: pick([nil, Date(timeIntervalSince1970: 1_900_000_000.5), Date(timeIntervalSince1970: -12.25)]),
            trigger: pick(texts), user: pick(texts), host: pick(texts), pid: pick(numbers), version: pick(texts),
            exitCode: pick(numbers), message: pick(texts))
        event.probeConfig = pick(texts)
        return event
    }

    @Test func aStoredRowEncodesToTheBytesItsEventWasHashedWith() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let random = SeededRandomSource(seed: 7)
        let appended = try await f.store().append(contentsOf: (0..<400).map { Self.randomEvent($0, random) })
        var encodings: [[UInt8]] = []
        var events: [AuditEvent] = []
        try SQLiteAuditReader(path: f.db).forEachStoredRow { row in
            var buffer = CanonicalEncodingBuffer()
            row.appendCanonicalEncoding(to: &buffer)
            encodings.append(Array(buffer.bytes))
            events.append(row.event)
            return true
        }
        #expect(encodings.count == appended.count)
        for (encoding, event) in zip(encodings, appended) {
            #expect(encoding == Array(event.canonicalEncoding), "event \(event.sequence ?? 0)")
        }
        #expect(events == appended)
        #expect(try f.verify() == .ok(count: 400))
    }

    @Test func aLogWrittenBeforeSchemaV4StillVerifies() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let queue = try DatabaseQueue(path: f.db)
        try AuditSchema.migrator.migrate(queue, upTo: "v3-expiry-index")
        let random = SeededRandomSource(seed: 3)
        let events = (0..<50).map { index in
            var event = Self.randomEvent(index, random)
            event.probeConfig = nil
            event.sequence = Int64(index + 1)
            event.time = Date(timeIntervalSince1970: Double(AuditSchema.millis(event.time)) / 1000)
            return event
        }
        let key = f.key
        let last = try await queue.write { db in
            var previous = ""
            for event in events {
                let hash = key.chainHash(previous: previous, canonical: event.canonicalEncoding)
                let columns = AuditColumn.allCases.filter { $0 != .probeConfig }
                let names = columns.map { "\($0.name)" }.joined(separator: ", ")
                let placeholders = columns.map { _ in "?" }.joined(separator: ", ")
                try db.execute(
                    sql: "INSERT INTO events (\(names)) VALUES (\(placeholders))",
                    arguments: [
                        event.sequence, AuditSchema.millis(event.time), event.runID, event.step.rawValue, event.job,
                        event.tenant, event.env, event.provider, event.attempt, event.httpStatus,
                        event.vendorErrorName, event.vendorErrorID, event.latencyMilliseconds, event.oldFingerprint,
                        event.newFingerprint, event.expiry.map(AuditSchema.millis), event.trigger, event.user,
                        event.host, event.pid, event.version, event.exitCode, event.message, previous, hash,
                    ])
                previous = hash
            }
            return previous
        }
        try queue.close()
        AuditHead(count: 50, hash: last).write(to: f.head, key: f.key)
        #expect(try f.verify() == .ok(count: 50))
        let (status, output) = try f.sqlite("DROP TRIGGER events_no_update; UPDATE events SET run = 'x' WHERE seq = 9")
        #expect(status == 0, "\(output)")
        #expect(try f.verify() == .bad(sequence: 9, problem: "its content was changed after it was written"))
    }

    /// Each column the chain covers, changed in one row, fails that row — including a step
    /// no writer could produce (the old event mapping read an unknown step as `probe`), and
    /// a NULL made empty.
    @Test(arguments: AuditColumn.allCases.filter { $0 != .seq })
    func aChangeToAnyColumnIsCaughtAtItsRow(column: AuditColumn) async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        var events = (0..<3).map { _ in AuditEventCanonicalTests.everyField }
        events[1].step = .probe
        events[1].probeConfig = nil
        events[1].job = nil
        try await f.store().append(contentsOf: events)
        let change: String =
            switch column {
            case .step: "'bogus'"
            case .job, .probeConfig: "''"
            case _ where column.holdsInteger: "\(column.name) + 1"
            default: "\(column.name) || 'x'"
            }
        let (status, output) = try f.sqlite(
            "DROP TRIGGER events_no_update; UPDATE events SET \(column.name) = \(change) WHERE seq = 2")
        #expect(status == 0, "\(output)")
        let problem =
            column == .prevHash
            ? "it does not follow the previous event (inserted, deleted or reordered)"
            : "its content was changed after it was written"
        #expect(try f.verify() == .bad(sequence: 2, problem: problem), "\(column.name)")
    }
}
