// Problems found in job and config files, collected (never thrown one at a time) so
// an operator sees every mistake in every file in one go, like a compiler.

import Foundation
import RekeyModel

public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// What to do about it ("did you mean `every`?").
    public var hint: String?
    /// The job the value belongs to, when it was inherited from `defaults:`.
    public var job: String?

    public init(
        _ severity: Severity, _ location: SourceLocation, _ message: String, hint: String? = nil, job: String? = nil
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
        self.job = job
    }

    /// `jobs/qp.yaml:12:5: error: unknown key 'evry' (did you mean 'every'?)`
    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        if let job { text += " [job '\(job)', inherited from defaults]" }
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Accumulates diagnostics while a file is walked.
public struct DiagnosticCollector: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var hasErrors: Bool { errorCount > 0 }

    public mutating func error(_ location: SourceLocation, _ message: String, hint: String? = nil, job: String? = nil) {
        diagnostics.append(Diagnostic(.error, location, message, hint: hint, job: job))
    }

    public mutating func warning(_ location: SourceLocation, _ message: String, hint: String? = nil, job: String? = nil)
    {
        diagnostics.append(Diagnostic(.warning, location, message, hint: hint, job: job))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }
}
