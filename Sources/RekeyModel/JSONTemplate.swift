// The JSON body of an `http` job's request, from the job file's YAML: templates only in
// string values (never in keys, numbers or booleans), rendered to JSON text with every
// inserted value escaped by the JSON string rules, so a secret cannot break out of its string.

import Foundation

public indirect enum JSONTemplate: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONTemplate

        public init(key: String, value: JSONTemplate) {
            self.key = key
            self.value = value
        }
    }

    case string(HTTPTemplate)
    /// A number as written (validated as a JSON number).
    case number(String)
    case bool(Bool)
    case null
    case array([JSONTemplate])
    case object([Member])

    public var variables: [TemplateVariable] {
        switch self {
        case .string(let template): template.variables
        case .number, .bool, .null: []
        case .array(let items): items.flatMap(\.variables)
        case .object(let members): members.flatMap(\.value.variables)
        }
    }

    /// The JSON text, members in the order written.
    public func render<E: Error>(_ value: (TemplateVariable) throws(E) -> String) throws(E) -> String {
        switch self {
        case .string(let template): return Self.quoted(try template.render(value))
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            var parts: [String] = []
            for item in items { parts.append(try item.render(value)) }
            return "[" + parts.joined(separator: ",") + "]"
        case .object(let members):
            var parts: [String] = []
            for member in members { parts.append(Self.quoted(member.key) + ":" + (try member.value.render(value))) }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal (RFC 8259 §7): `"` `\` and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value):
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
