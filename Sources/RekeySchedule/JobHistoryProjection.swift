// `JobHistory` as the audit log's per-job state table: each job's folded history, kept
// in the transaction of its events, so `plan`, `run` and `audit report` read one row per
// job instead of folding the log. `audit verify` compares it with a fresh fold.

import Foundation
import RekeyAudit

public struct JobHistoryProjection: AuditProjection {
    /// Change it whenever `JobHistory.apply` or its fields change: the table is rebuilt.
    public static let version = "job-history-6"

    public init() {}

    public var version: String { Self.version }

    public func apply(_ events: [AuditEvent], to stored: Data?) throws -> Data {
        var history = try stored.map(Self.decode) ?? JobHistory()
        for event in events { history.apply(event) }
        return try Self.encode(history)
    }

    public func rebuild(_ forEachEvent: ((AuditEvent) -> Void) throws -> Void) throws -> [String: Data] {
        var histories = JobHistory.Histories()
        try forEachEvent { histories.apply($0) }
        return try histories.byJob.mapValues(Self.encode)
    }

    static func encode(_ history: JobHistory) throws -> Data {
        Data(history.stateEncoding())
    }

    static func decode(_ data: Data) throws -> JobHistory {
        try JobHistory(stateEncoding: data)
    }
}
