// The `sinks:` and `hooks:` blocks.

import Foundation
import RekeyModel

extension JobDecoder {
    package static let sinkKeys = ["id", "kind", "path", "key", "mode", "owner", "group", "newline"]
    package static let hookKeys = ["argv", "timeout"]

    package mutating func decodeSinks(_ map: YAMLNode) -> [SinkSpec] {
        guard let items = reader.list(map, "sinks") else {
            if map["sinks"] == nil {
                reader.error(
                    map, "a job needs at least one sink",
                    hint: "e.g. sinks: [{id: app, kind: env-file, path: /etc/app/env, key: API_KEY}]")
            }
            return []
        }
        if items.isEmpty, let node = map["sinks"] { reader.error(node, "a job needs at least one sink") }
        var sinks: [SinkSpec] = []
        var ids: [String: SourceLocation] = [:]
        for item in items {
            guard let sink = decodeSink(item) else { continue }
            if let first = ids[sink.id] {
                reader.error(item, "two sinks of this job are called '\(sink.id)' (the other at \(first))")
                continue
            }
            ids[sink.id] = item.location
            sinks.append(sink)
        }
        return sinks
    }

    private mutating func decodeSink(_ node: YAMLNode) -> SinkSpec? {
        guard let map = reader.mapping(node, named: "a sink", allowed: Self.allSinkKeys) else { return nil }
        let before = reader.diagnostics.errorCount
        let id = reader.string(map, "id", required: true, context: "a sink")
        let kindText = reader.string(map, "kind", required: true, context: "a sink")
        let kinds = SinkSpec.Kind.allCases.map(\.rawValue)
        var kind: SinkSpec.Kind?
        if let kindText {
            kind = SinkSpec.Kind(rawValue: kindText)
            if kind == nil {
                reader.error(
                    map["kind"]!, "unknown sink kind '\(kindText)'",
                    hint: Suggestion.hint(for: kindText, in: kinds) ?? "one of \(kinds.joined(separator: ", "))")
            }
        }
        if let kind, kind.isRemote { return decodeRemoteSink(map, id: id, kind: kind) }
        if let kind { refuseKeys(of: map, notIn: Self.localSinkKeys, kind: kind) }
        let path = reader.string(map, "path", required: true, context: "a sink")
        let key = reader.string(map, "key", required: false, context: "a sink")
        switch kind {
        case .envFile?:
            if key == nil && map["key"] == nil {
                reader.error(map, "an env-file sink needs 'key' (the variable to set)")
            } else if let key, !SinkSpec.isValidVariableName(key) {
                reader.error(
                    map["key"]!, "'\(key)' is not a valid variable name",
                    hint: "letters, digits and _, not starting with a digit")
            }
        case .file?:
            if let keyNode = map["key"] { reader.error(keyNode, "'key' is only for env-file sinks") }
        case nil, .vaultKV?, .awsSecretsManager?:
            break
        }
        let mode = decodeMode(map)
        let owner = reader.string(map, "owner", required: false, context: "a sink")
        let group = reader.string(map, "group", required: false, context: "a sink")
        let newline = reader.bool(map, "newline")
        if newline != nil, kind == .envFile, let node = map["newline"] {
            reader.error(node, "'newline' is only for file sinks")
        }
        guard reader.diagnostics.errorCount == before, let id, let kind, let path else { return nil }
        return SinkSpec(
            id: id, kind: kind, path: resolvePath(path), key: key, mode: mode, owner: owner, group: group,
            trailingNewline: newline ?? false, location: map.location)
    }

    /// `mode: "0600"`: a quoted octal string, at most 0777; group/other bits warn.
    private mutating func decodeMode(_ map: YAMLNode) -> UInt16? {
        guard let node = map["mode"] else { return nil }
        guard node.isQuotedScalar, let text = node.scalar else {
            reader.error(
                node, "'mode' must be a quoted octal string",
                hint: "write mode: \"0600\" (unquoted, YAML reads 0600 as a number)")
            return nil
        }
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ ("0"..."7").contains($0) }),
            let value = UInt16(text, radix: 8)
        else {
            reader.error(node, "'mode' must be octal digits like \"0600\"")
            return nil
        }
        guard value <= 0o777 else {
            reader.error(node, "'mode' \"\(text)\" is above 0777 (setuid, setgid and sticky bits are refused)")
            return nil
        }
        if value & 0o077 != 0 {
            reader.warning(
                node, "'mode' \"\(text)\" lets group or others read the secret",
                hint: "use \"0600\" unless a group must read it")
        }
        return value
    }

    package mutating func decodeHooks(_ map: YAMLNode, key: String) -> [HookSpec] {
        guard let items = reader.list(map, key) else { return [] }
        var hooks: [HookSpec] = []
        for item in items {
            guard let hookMap = reader.mapping(item, named: "a hook", allowed: Self.hookKeys) else { continue }
            guard let argvNode = hookMap["argv"] else {
                reader.error(hookMap, "a hook needs 'argv', a list like [systemctl, reload, myapp]")
                continue
            }
            guard let argvItems = argvNode.items, !argvItems.isEmpty else {
                reader.error(argvNode, "'argv' must be a non-empty list (hooks run without a shell)")
                continue
            }
            let argv = argvItems.compactMap(\.scalar)
            guard argv.count == argvItems.count, !argv[0].isEmpty else {
                reader.error(argvNode, "every 'argv' entry must be a string")
                continue
            }
            // Hooks run from '/': a relative program found in rekey's working directory
            // at validation would be missing after the key rotated.
            guard argv[0].hasPrefix("/") else {
                reader.error(
                    argvItems[0],
                    "the hook's program '\(argv[0])' must be an absolute path: hooks run from '/', not from rekey's working directory",
                    hint: "write its full path, like /usr/bin/systemctl; `command -v NAME` prints it")
                continue
            }
            var timeout = Duration.seconds(60)
            if let value = reader.millisecondsDuration(hookMap, "timeout") { timeout = value }
            hooks.append(HookSpec(argv: argv, timeout: timeout))
        }
        return hooks
    }
}
