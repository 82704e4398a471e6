// `rekey audit report --events`: the events themselves, in chain order.

import Foundation

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
        switch format {
        case .table:
            var table = TextTable(header: columns.map { $0.uppercased() })
            for event in events { table.append(cells(event)) }
            return table.render() + "\n\(events.count) event(s)"
        case .csv:
            return ([columns] + events.map(cells)).map { $0.map(CSV.field).joined(separator: ",") }
                .joined(separator: "\r\n") + "\r\n"
        case .markdown:
            var lines = ["| " + columns.joined(separator: " | ") + " |", "|" + columns.map { _ in " --- |" }.joined()]
            for event in events {
                lines.append(
                    "| " + cells(event).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ")
                        + " |")
            }
            return lines.joined(separator: "\n")
        case .json, .prometheus:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(events), as: UTF8.self)
        }
    }
}
