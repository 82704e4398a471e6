// `rekey audit report --events`: the events themselves, in chain order.

import Foundation
import RekeyAudit
import RekeyModel

public enum AuditEventListing {
    static let columns = [
        "seq", "time", "run", "step", "job", "tenant", "env", "attempt", "http", "vendor_error", "new_fp", "message",
    ]

    static func cells(_ event: AuditEvent) -> [String] {
        [
            event.sequence.map(String.init) ?? "", Timestamps.iso8601(event.time), event.runID, event.step.rawValue,
            event.job ?? "", event.tenant ?? "", event.env ?? "", event.attempt.map(String.init) ?? "",
            event.httpStatus.map(String.init) ?? "",
            [event.vendorErrorName, event.vendorErrorID].compactMap { $0 }.joined(separator: " "),
            event.newFingerprint ?? "", event.message ?? "",
        ]
    }

    public static func render(_ events: [AuditEvent], format: AuditReportFormat) throws -> String {
        let tabulation = Tabulation(columns: columns, rows: events.map(cells))
        switch format {
        case .table:
            return tabulation.table + "\n\(events.count) event(s)"
        case .csv:
            return tabulation.csv
        case .markdown:
            return tabulation.markdown
        case .json, .prometheus:
            return try JSONOutput.encode(Document(events: events.map(Entry.init)))
        }
    }

    /// `{"schema_version": 1, "events": [...]}` in the JSON convention (`JSONOutput`).
    private struct Document: Encodable {
        var schemaVersion = JSONOutput.schemaVersion
        var events: [Entry]
    }

    /// One event with every key present (`null` when absent), its latency in seconds.
    private struct Entry: Encodable {
        var event: AuditEvent

        init(_ event: AuditEvent) { self.event = event }

        enum Key: String, CodingKey {
            case sequence, time, runID, step, job, tenant, env, provider, attempt, httpStatus, vendorErrorName
            case vendorErrorID, latencySeconds, oldFingerprint, newFingerprint, expiry, trigger, user, host, pid
            case version, exitCode, message, probeConfig, prevHash, hash
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(event.sequence, forKey: .sequence)
            try container.encode(event.time, forKey: .time)
            try container.encode(event.runID, forKey: .runID)
            try container.encode(event.step, forKey: .step)
            try container.encode(event.job, forKey: .job)
            try container.encode(event.tenant, forKey: .tenant)
            try container.encode(event.env, forKey: .env)
            try container.encode(event.provider, forKey: .provider)
            try container.encode(event.attempt, forKey: .attempt)
            try container.encode(event.httpStatus, forKey: .httpStatus)
            try container.encode(event.vendorErrorName, forKey: .vendorErrorName)
            try container.encode(event.vendorErrorID, forKey: .vendorErrorID)
            try container.encode(
                event.latencyMilliseconds.map { JSONOutput.seconds(Double($0) / 1000) }, forKey: .latencySeconds)
            try container.encode(event.oldFingerprint, forKey: .oldFingerprint)
            try container.encode(event.newFingerprint, forKey: .newFingerprint)
            try container.encode(event.expiry, forKey: .expiry)
            try container.encode(event.trigger, forKey: .trigger)
            try container.encode(event.user, forKey: .user)
            try container.encode(event.host, forKey: .host)
            try container.encode(event.pid, forKey: .pid)
            try container.encode(event.version, forKey: .version)
            try container.encode(event.exitCode, forKey: .exitCode)
            try container.encode(event.message, forKey: .message)
            try container.encode(event.probeConfig, forKey: .probeConfig)
            try container.encode(event.prevHash, forKey: .prevHash)
            try container.encode(event.hash, forKey: .hash)
        }
    }
}
