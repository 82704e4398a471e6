// Job histories for read-only commands (`plan`): from the audit database when there is
// one, else empty (a fresh install has rotated nothing yet).

import Foundation

public enum AuditHistorySource {
    public static func histories(databasePath: String) async throws -> [String: JobHistory] {
        guard FileManager.default.fileExists(atPath: databasePath) else { return [:] }
        // Replaced by the SQLite store's read-only histories once it is wired in.
        return [:]
    }
}
