// The verdict of `rekey validate`, as a line for people and as JSON for tools.

import Foundation

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

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
