// One `events` row ↔ one `AuditEvent`: the insert, the column list every read selects, and
// the decoding. Integers are bigint and times milliseconds since 1970, as in SQLite, so the
// event read back hashes to the bytes that were chained.

import Foundation
import PostgresNIO
import RekeyAudit

enum PostgresAuditRow {
    /// Every column, in the order `event(from:)` reads them.
    static let columns = """
        seq, time, run, step, job, tenant, env, provider, attempt, http_status, vendor_error_name, \
        vendor_error_id, latency_ms, old_fp, new_fp, expiry, trigger, "user", host, pid, version, exit_code, \
        message, prev_hash, hash, probe_config
        """

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Events per INSERT statement: 26 parameters each, under PostgreSQL's 65,535 per statement.
    static let eventsPerStatement = 1_000

    /// Inserts chained events (sequence and hashes set), up to `eventsPerStatement` in one
    /// statement: one round trip per batch while the chain-head lock is held, not one per event.
    static func insert(_ events: [AuditEvent], _ connection: PostgresConnection) async throws {
        var start = events.startIndex
        while start < events.endIndex {
            let end = min(start + eventsPerStatement, events.endIndex)
            try await connection.query(insertStatement(events[start..<end]), logger: PostgresSession.queryLogger)
            start = end
        }
    }

    static func insertStatement(_ events: ArraySlice<AuditEvent>) -> PostgresQuery {
        var sql = PostgresQuery.StringInterpolation(
            literalCapacity: 128 + events.count * 90, interpolationCount: events.count * 26)
        sql.appendLiteral("INSERT INTO events (\(columns)) VALUES ")
        func number(_ value: Int?) -> Int64? { value.map(Int64.init) }
        func add<Value: PostgresDynamicTypeEncodable>(_ value: Value?, then separator: String = ", ") {
            sql.appendInterpolation(value)
            sql.appendLiteral(separator)
        }
        for (index, event) in events.enumerated() {
            sql.appendLiteral(index == 0 ? "(" : ", (")
            add(event.sequence ?? 0)
            add(millis(event.time))
            add(event.runID)
            add(event.step.rawValue)
            add(event.job)
            add(event.tenant)
            add(event.env)
            add(event.provider)
            add(number(event.attempt))
            add(number(event.httpStatus))
            add(event.vendorErrorName)
            add(event.vendorErrorID)
            add(number(event.latencyMilliseconds))
            add(event.oldFingerprint)
            add(event.newFingerprint)
            add(event.expiry.map(millis))
            add(event.trigger)
            add(event.user)
            add(event.host)
            add(number(event.pid))
            add(event.version)
            add(number(event.exitCode))
            add(event.message)
            add(event.prevHash ?? "")
            add(event.hash ?? "")
            add(event.probeConfig, then: ")")
        }
        return PostgresQuery(stringInterpolation: sql)
    }

    /// A row that cannot be an event rekey wrote (an unknown step name): its sequence, for
    /// `audit verify` to name.
    struct Unreadable: Error {
        let sequence: Int64
        let why: String
    }

    /// Maps a row selected with `columns`.
    static func event(from row: PostgresRow) throws -> AuditEvent {
        let cells = row.makeRandomAccess()
        func integer(_ index: Int) throws -> Int64? { try cells[index].decode(Int64?.self) }
        func int(_ index: Int) throws -> Int? { try integer(index).map { Int($0) } }
        func text(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
        func date(_ index: Int) throws -> Date? {
            try integer(index).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        let sequence = try integer(0) ?? 0
        let stepName = try text(3) ?? ""
        guard let step = AuditStep(rawValue: stepName) else {
            throw Unreadable(sequence: sequence, why: "its step '\(stepName)' is not one rekey writes (edited)")
        }
        var event = AuditEvent(
            time: try date(1) ?? Date(timeIntervalSince1970: 0), runID: try text(2) ?? "", step: step,
            job: try text(4), tenant: try text(5), env: try text(6), provider: try text(7), attempt: try int(8),
            httpStatus: try int(9), vendorErrorName: try text(10), vendorErrorID: try text(11),
            latencyMilliseconds: try int(12), oldFingerprint: try text(13), newFingerprint: try text(14),
            expiry: try date(15), trigger: try text(16), user: try text(17), host: try text(18), pid: try int(19),
            version: try text(20), exitCode: try int(21), message: try text(22))
        event.sequence = sequence
        event.prevHash = try text(23)
        event.hash = try text(24)
        event.probeConfig = try text(25)
        return event
    }
}
