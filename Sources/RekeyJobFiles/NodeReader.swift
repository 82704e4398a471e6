// Typed reads from a `YAMLNode` mapping that record a diagnostic (with location and
// "did you mean") instead of throwing, so one walk reports every problem at once.

import Foundation
import RekeyModel

package struct NodeReader {
    package var diagnostics = DiagnosticCollector()
    /// The job being read, named in diagnostics for values inherited from `defaults:`.
    package var jobName: String?

    package init() {}

    package mutating func error(_ node: YAMLNode, _ message: String, hint: String? = nil) {
        diagnostics.error(node.location, message, hint: hint, job: node.inherited ? jobName : nil)
    }

    package mutating func error(at location: SourceLocation, inherited: Bool, _ message: String, hint: String? = nil) {
        diagnostics.error(location, message, hint: hint, job: inherited ? jobName : nil)
    }

    package mutating func warning(_ node: YAMLNode, _ message: String, hint: String? = nil) {
        diagnostics.warning(node.location, message, hint: hint, job: node.inherited ? jobName : nil)
    }

    /// The node as a mapping whose keys are all in `allowed`; unknown keys are reported.
    package mutating func mapping(_ node: YAMLNode, named what: String, allowed: [String]) -> YAMLNode? {
        guard let entries = node.entries else {
            error(node, "\(what) must be a mapping, found \(node.typeName)")
            return nil
        }
        for entry in entries where !allowed.contains(entry.key) {
            error(
                at: entry.keyLocation, inherited: entry.value.inherited, "unknown key '\(entry.key)' in \(what)",
                hint: Suggestion.hint(for: entry.key, in: allowed) ?? "allowed: \(allowed.joined(separator: ", "))")
        }
        return node
    }

    package mutating func string(_ map: YAMLNode, _ key: String, required: Bool, context: String) -> String? {
        guard let node = map[key] else {
            if required { error(map, "\(context) needs '\(key)'") }
            return nil
        }
        guard let text = node.scalar else {
            error(node, "'\(key)' must be a string, found \(node.typeName)")
            return nil
        }
        if required && text.trimmingCharacters(in: .whitespaces).isEmpty {
            error(node, "'\(key)' must not be empty")
            return nil
        }
        return text
    }

    package mutating func bool(_ map: YAMLNode, _ key: String) -> Bool? {
        guard let node = map[key] else { return nil }
        switch node.isQuotedScalar ? nil : node.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(
                node,
                "'\(key)' must be true or false, found \(node.scalar.map { _ in "'\(node.scalar!)'" } ?? node.typeName)"
            )
            return nil
        }
    }

    package mutating func integer(_ map: YAMLNode, _ key: String, range: ClosedRange<Int>) -> Int? {
        guard let node = map[key] else { return nil }
        guard !node.isQuotedScalar, let text = node.scalar, let value = Int(text) else {
            error(node, "'\(key)' must be a whole number, found \(node.typeName)")
            return nil
        }
        guard range.contains(value) else {
            error(node, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    package mutating func duration(_ map: YAMLNode, _ key: String) -> RekeyDuration? {
        guard let node = map[key] else { return nil }
        guard let text = node.scalar, let value = RekeyDuration.parse(text) else {
            error(
                node, "'\(key)' is not a duration\(node.scalar.map { ": '\($0)'" } ?? "")",
                hint: "write it like 90s, 15m, 12h, 30d, 1w or 1h30m")
            return nil
        }
        return value
    }

    package mutating func list(_ map: YAMLNode, _ key: String) -> [YAMLNode]? {
        guard let node = map[key] else { return nil }
        guard let items = node.items else {
            error(node, "'\(key)' must be a list, found \(node.typeName)")
            return nil
        }
        return items
    }
}
