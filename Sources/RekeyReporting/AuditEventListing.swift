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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(events), as: UTF8.self)
        }
    }
}
