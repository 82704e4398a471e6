// Job histories for read-only commands (`plan`, `audit report`): from the audit
// database when there is one, else empty (a fresh install has rotated nothing yet).

import Foundation

public enum AuditHistorySource {
    /// A read-only store, or an empty in-memory one when no database exists yet.
    public static func readOnlyStore(databasePath: String) throws -> any AuditStore {
        guard FileManager.default.fileExists(atPath: databasePath) else { return InMemoryAuditStore() }
        return try SQLiteAuditStore(readOnlyPath: databasePath, key: AuditKey(bytes: []))
    }

    public static func histories(databasePath: String) async throws -> [String: JobHistory] {
        try await readOnlyStore(databasePath: databasePath).histories()
    }
}
