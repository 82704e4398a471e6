// The text templates of an `http` job: `{{credentials.NAME}}`, `{{secret}}`,
// `{{previous.id}}`, `{{job.name|tenant|env}}` and `{{provider.NAME}}` (a name under the
// provider's `vars:`). Parsed once, at validation; rendered at each request. A template
// holds no value, only the names of the values it asks for.

import Foundation

public enum TemplateVariable: Sendable, Hashable, CustomStringConvertible {
    /// One of the job's credentials, resolved from its reference.
    case credential(String)
    /// The secret being probed, or the new one (revoke).
    case secret
    /// The id of the credential a two-key rotation replaces.
    case previousID
    /// `job.name`, `job.tenant` or `job.env`.
    case job(String)
    /// A value under the provider's `vars:`.
    case provider(String)

    public static let jobFields = ["name", "tenant", "env"]

    /// The variable `name` (the text between the braces, trimmed) stands for, or nil.
    public init?(_ name: String) {
        if name == "secret" {
            self = .secret
            return
        }
        if name == "previous.id" {
            self = .previousID
            return
        }
        let parts = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "credentials": self = .credential(parts[1])
        case "job" where Self.jobFields.contains(parts[1]): self = .job(parts[1])
        case "provider": self = .provider(parts[1])
        default: return nil
        }
    }

    /// Whether the value is a secret (a credential, or the secret being probed): such a
    /// value never goes into a URL, which every proxy and access log records.
    public var isSecret: Bool {
        switch self {
        case .credential, .secret: true
        case .previousID, .job, .provider: false
        }
    }

    public var description: String {
        switch self {
        case .credential(let name): "credentials.\(name)"
        case .secret: "secret"
        case .previousID: "previous.id"
        case .job(let field): "job.\(field)"
        case .provider(let name): "provider.\(name)"
        }
    }
}

public struct HTTPTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case variable(TemplateVariable)
    }

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// `{{` without a matching `}}`.
        case unclosed
        /// `{{name}}` that names no variable.
        case unknownVariable(String)

        public var description: String {
            switch self {
            case .unclosed: "a '{{' has no matching '}}'"
            case .unknownVariable(let name): "unknown template variable '{{\(name)}}'"
            }
        }
    }

    /// The text as written in the job file.
    public var text: String
    public var parts: [Part]

    public init(parsing text: String) throws(ParseError) {
        self.text = text
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw .unclosed }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let variable = TemplateVariable(name) else { throw .unknownVariable(name) }
            parts.append(.variable(variable))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    /// A template of literal text only.
    public init(literal text: String) {
        self.text = text
        self.parts = text.isEmpty ? [] : [.literal(text)]
    }

    public var variables: [TemplateVariable] {
        parts.compactMap { if case .variable(let variable) = $0 { variable } else { nil } }
    }

    public var description: String { text }

    /// The text with each variable replaced by `value(variable)`, passed through `encode`
    /// (URLs percent-encode values; headers and JSON strings take them as they are).
    public func render<E: Error>(
        _ value: (TemplateVariable) throws(E) -> String, encode: (String) -> String = { $0 }
    ) throws(E) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .variable(let variable): out += encode(try value(variable))
            }
        }
        return out
    }
}
