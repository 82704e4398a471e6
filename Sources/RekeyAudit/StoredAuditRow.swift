// One stored row of the audit log, read from SQLite's own column buffers instead of
// being mapped to an `AuditEvent`: `audit verify` reads a million rows, and building a
// struct and a dozen Strings for each cost more than hashing it. A row is lent to a
// callback (`SQLiteAuditReader.forEachStoredRow`) and valid only during that call.

import Foundation
import GRDB
import GRDBSQLite

struct StoredAuditRow {
    /// The statement, stepped to this row; its columns are `AuditColumn`s by position.
    private let statement: SQLiteStatement
    /// Whether the table has `probe_config` (schema v4 and later).
    let hasProbeConfig: Bool
    /// GRDB's view of the same row, for callers that want an `AuditEvent` after all.
    private let row: Row

    init(statement: SQLiteStatement, hasProbeConfig: Bool, row: Row) {
        self.statement = statement
        self.hasProbeConfig = hasProbeConfig
        self.row = row
    }

    var sequence: Int64 { sqlite3_column_int64(statement, AuditColumn.seq.rawValue) }

    /// The column's value as an integer, as GRDB reads an `Int64?` (SQLite's conversion
    /// for a value of another type); nil for NULL.
    func integer(_ column: AuditColumn) -> Int64? {
        guard sqlite3_column_type(statement, column.rawValue) != SQLITE_NULL else { return nil }
        return sqlite3_column_int64(statement, column.rawValue)
    }

    /// The column's bytes as stored (an integer in a TEXT column as its decimal text); nil
    /// for NULL. Points into SQLite's buffer: do not keep it past the callback.
    func text(_ column: AuditColumn) -> UnsafeBufferPointer<UInt8>? {
        // Two calls per value, not three: NULL reads as a null pointer. So would a failed
        // conversion (out of memory), which must not pass for NULL.
        guard let start = sqlite3_column_text(statement, column.rawValue) else {
            precondition(
                sqlite3_column_type(statement, column.rawValue) == SQLITE_NULL,
                "SQLite could not read column \(column.name) (out of memory)")
            return nil
        }
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, column.rawValue)))
    }

    /// Whether the column holds exactly `bytes` (false for NULL).
    func text(_ column: AuditColumn, equals bytes: [UInt8]) -> Bool {
        guard let stored = text(column), stored.count == bytes.count else { return false }
        guard let start = stored.baseAddress, !stored.isEmpty else { return true }
        return bytes.withUnsafeBytes { memcmp(start, $0.baseAddress!, stored.count) == 0 }
    }

    /// The row as an event. It allocates, as `audit verify` avoids for its own work; for a
    /// check that needs whole events.
    var event: AuditEvent { AuditSchema.event(from: row) }
}
