// The verdict of `rekey validate`, as a line for people and as JSON for tools.

import Foundation
import RekeyModel

public struct ValidationSummary: Sendable, Codable {
    public var jobs: Int
    public var files: Int
    public var errors: Int
    public var warnings: Int
    public var diagnostics: [Diagnostic]

    public init(_ result: JobLoadResult) {
        jobs = result.jobs.count
        files = result.files.count
        errors = result.errorCount
        warnings = result.diagnostics.count - result.errorCount
        diagnostics = result.diagnostics
    }

    /// `4 job(s) in 3 file(s): OK` or `3 error(s)`.
    public var line: String {
        if errors == 0 {
            return "\(jobs) job(s) in \(files) file(s): OK" + (warnings > 0 ? " (\(warnings) warning(s))" : "")
        }
        return "\(errors) error(s)" + (warnings > 0 ? ", \(warnings) warning(s)" : "")
    }

    /// `{"schema_version": 1, "jobs", "files", "errors", "warnings", "diagnostics"}` in the
    /// JSON convention (`JSONOutput`).
    public func json() throws -> String {
        try JSONOutput.encode(Document(summary: self))
    }

    private struct Document: Encodable {
        var summary: ValidationSummary

        enum Key: String, CodingKey {
            case schemaVersion
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(JSONOutput.schemaVersion, forKey: .schemaVersion)
            try summary.encode(to: encoder)
        }
    }
}
