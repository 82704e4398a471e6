// The job-file tree rekey validates: Yams' nodes converted to values that carry their
// `file:line:column`, whether they were inherited from `defaults:`, and nothing that
// could be an anchor or alias. Also the deep merge of `defaults:` into each job.

import Foundation
import RekeyModel
import Yams

package struct YAMLEntry: Sendable {
    package var key: String
    package var keyLocation: SourceLocation
    package var value: YAMLNode
}

package struct YAMLNode: Sendable {
    package indirect enum Kind: Sendable {
        /// `quoted` is true for '…' and "…" scalars (and block scalars): never a number or null.
        case scalar(String, quoted: Bool)
        case mapping([YAMLEntry])
        case sequence([YAMLNode])
    }

    package var kind: Kind
    package var location: SourceLocation
    /// True when the value came from the file's `defaults:` rather than the job itself.
    package var inherited = false

    package var typeName: String {
        switch kind {
        case .scalar(let text, let quoted):
            if !quoted && isNullScalar(text) { return "null" }
            return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    package var entries: [YAMLEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    package var items: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The scalar's text, or nil for a mapping, a list or a null.
    package var scalar: String? {
        if case .scalar(let text, let quoted) = kind, quoted || !isNullScalar(text) { return text }
        return nil
    }

    package var isQuotedScalar: Bool {
        if case .scalar(_, true) = kind { return true }
        return false
    }

    package subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key == key }?.value
    }

    package func markedInherited() -> YAMLNode {
        var copy = self
        copy.inherited = true
        switch kind {
        case .scalar: break
        case .mapping(let entries):
            copy.kind = .mapping(
                entries.map { YAMLEntry(key: $0.key, keyLocation: $0.keyLocation, value: $0.value.markedInherited()) })
        case .sequence(let items):
            copy.kind = .sequence(items.map { $0.markedInherited() })
        }
        return copy
    }

    /// Deep merge: maps merge key by key (the job wins), lists and scalars replace.
    package static func merge(defaults: YAMLNode, into job: YAMLNode) -> YAMLNode {
        guard case .mapping(let base) = defaults.kind, case .mapping(let own) = job.kind else { return job }
        var merged = own
        for entry in base {
            if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                merged[index].value = merge(defaults: entry.value, into: merged[index].value)
            } else {
                merged.append(
                    YAMLEntry(key: entry.key, keyLocation: entry.keyLocation, value: entry.value.markedInherited()))
            }
        }
        var result = job
        result.kind = .mapping(merged)
        return result
    }
}

package func isNullScalar(_ text: String) -> Bool {
    text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
}

/// Converts a Yams node, refusing anchors and aliases and bounding the depth.
package struct YAMLNodeConverter {
    package static let maximumDepth = 32

    package let file: String
    package var diagnostics = DiagnosticCollector()

    package init(file: String) {
        self.file = file
    }

    package func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    package mutating func convert(_ node: Node, depth: Int = 0) -> YAMLNode? {
        let here = location(node.mark)
        if node.anchor != nil {
            diagnostics.error(
                here, "YAML anchors and aliases are not allowed in job files",
                hint: "write the value out, or move shared values to 'defaults:'")
            return nil
        }
        guard depth < Self.maximumDepth else {
            diagnostics.error(here, "the file is nested more than \(Self.maximumDepth) levels deep")
            return nil
        }
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style != .plain && scalar.style != .any
            return YAMLNode(kind: .scalar(scalar.string, quoted: quoted), location: here)
        case .mapping(let mapping):
            var entries: [YAMLEntry] = []
            var seen: [String: SourceLocation] = [:]
            for (keyNode, valueNode) in mapping {
                let keyLocation = location(keyNode.mark)
                guard case .scalar(let keyScalar) = keyNode, keyNode.anchor == nil else {
                    diagnostics.error(keyLocation, "mapping keys must be plain words")
                    continue
                }
                let key = keyScalar.string
                if let first = seen[key] {
                    diagnostics.error(keyLocation, "duplicate key '\(key)' (first at \(first.line):\(first.column))")
                    continue
                }
                seen[key] = keyLocation
                guard let value = convert(valueNode, depth: depth + 1) else { continue }
                entries.append(YAMLEntry(key: key, keyLocation: keyLocation, value: value))
            }
            return YAMLNode(kind: .mapping(entries), location: here)
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for item in sequence {
                guard let value = convert(item, depth: depth + 1) else { continue }
                items.append(value)
            }
            return YAMLNode(kind: .sequence(items), location: here)
        case .alias:
            diagnostics.error(here, "YAML anchors and aliases are not allowed in job files")
            return nil
        }
    }
}
