// The `credentials:` block: references only. An inline value is an error that never
// repeats the value.

import Foundation
import RekeyModel

extension JobDecoder {
    package static let referenceKinds = ["env", "file", "sink"]

    /// The references of `kind`'s credential keys. With an unknown kind the keys cannot
    /// be checked, but every reference still is (an inline secret is always reported).
    package mutating func decodeCredentials(_ map: YAMLNode, kind: ProviderKind?, sinks: [SinkSpec])
        -> [String: CredentialReference]
    {
        guard let kind else {
            for entry in map["credentials"]?.entries ?? [] {
                _ = decodeReference(entry.value, key: entry.key, sinks: sinks)
            }
            return [:]
        }
        let required = kind.credentialKeys
        guard let node = map["credentials"] else {
            reader.error(
                map,
                "a '\(kind.rawValue)' job needs 'credentials' with \(required.map { "'\($0)'" }.joined(separator: ", "))",
                hint: "e.g. credentials: {\(required[0]): {env: MY_VAR}}")
            return [:]
        }
        guard let credentialsMap = reader.mapping(node, named: "'credentials' of '\(kind.rawValue)'", allowed: required)
        else { return [:] }
        var references: [String: CredentialReference] = [:]
        for key in required {
            guard let valueNode = credentialsMap[key] else {
                reader.error(credentialsMap, "'credentials' needs '\(key)' for '\(kind.rawValue)'")
                continue
            }
            guard let reference = decodeReference(valueNode, key: key, sinks: sinks) else { continue }
            if key == kind.replacedCredentialKey, !canReceiveNewKey(reference, valueNode, key: key, kind, sinks) {
                continue
            }
            references[key] = reference
        }
        return references
    }

    mutating func decodeReference(_ node: YAMLNode, key: String, sinks: [SinkSpec]) -> CredentialReference? {
        let hint = "write {env: VAR}, {file: /path/to/secret} or {sink: SINK_ID}"
        guard let entries = node.entries else {
            if case .scalar = node.kind, node.scalar != nil {
                // Never echo the value: it is probably a real secret.
                reader.error(
                    node, "'\(key)' holds an inline secret; secrets must be references, never values", hint: hint)
            } else {
                reader.error(node, "'\(key)' must be a reference, found \(node.typeName)", hint: hint)
            }
            return nil
        }
        guard entries.count == 1, let entry = entries.first else {
            reader.error(node, "'\(key)' must name exactly one of env, file or sink", hint: hint)
            return nil
        }
        guard Self.referenceKinds.contains(entry.key) else {
            reader.error(
                at: entry.keyLocation, inherited: entry.value.inherited, "unknown reference kind '\(entry.key)'",
                hint: Suggestion.hint(for: entry.key, in: Self.referenceKinds) ?? hint)
            return nil
        }
        guard let value = entry.value.scalar, !value.isEmpty else {
            reader.error(entry.value, "'\(entry.key)' must name a variable, a path or a sink id")
            return nil
        }
        switch entry.key {
        case "env":
            guard SinkSpec.isValidVariableName(value) else {
                reader.error(entry.value, "'\(value)' is not an environment variable name")
                return nil
            }
            return .env(value)
        case "file":
            return .file(resolvePath(value))
        default:
            guard sinks.contains(where: { $0.id == value }) else {
                reader.error(
                    entry.value, "{sink: \(value)} names no sink of this job",
                    hint: Suggestion.hint(for: value, in: sinks.map(\.id))
                        ?? "sinks: \(sinks.map(\.id).joined(separator: ", "))")
                return nil
            }
            return .sink(value)
        }
    }

    /// Absolute, with relative paths resolved against the job file's (real) directory.
    /// `.` and `..` are taken lexically and no symlink in the path is resolved: the sinks'
    /// ownership check must see a link planted at a sink path (Foundation's
    /// `standardizedFileURL` resolves every symlink of a path holding `..`).
    package func resolvePath(_ path: String) -> String {
        let base = URL(fileURLWithPath: baseDirectory).resolvingSymlinksInPath().path
        var components: [Substring] = []
        for component in (path.hasPrefix("/") ? path : base + "/" + path).split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}

extension SinkSpec {
    /// A POSIX-style name: a letter or `_`, then letters, digits and `_`.
    public static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 256 else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || c == "_") }
        return letter(first) && name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
