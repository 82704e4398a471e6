// The remote sink kinds of the `sinks:` block: `vault-kv` (one field of a Vault/OpenBao KV
// v2 secret) and `aws-secretsmanager` (a secret, or one key of its JSON SecretString).

import Foundation
import RekeyModel

extension JobDecoder {
    package static let vaultSinkKeys = ["address", "mount", "path", "field", "token", "ca_file"]
    package static let secretsManagerSinkKeys = ["secret_id", "region", "key", "endpoint_url"]
    /// Keys of local (file, env-file) sinks.
    static let localSinkKeys = ["path", "key", "mode", "owner", "group", "newline"]

    /// Every key a sink of any kind may have (the unknown-key check); each kind then refuses
    /// the keys of the others.
    package static var allSinkKeys: [String] {
        var keys = ["id", "kind"]
        for key in localSinkKeys + vaultSinkKeys + secretsManagerSinkKeys where !keys.contains(key) { keys.append(key) }
        return keys
    }

    /// Reports every key of `map` that a sink of `kind` does not take.
    mutating func refuseKeys(of map: YAMLNode, notIn allowed: [String], kind: SinkSpec.Kind) {
        for entry in map.entries ?? [] where !(["id", "kind"] + allowed).contains(entry.key) {
            guard Self.allSinkKeys.contains(entry.key) else { continue }  // reported as unknown already
            reader.error(
                at: entry.keyLocation, inherited: entry.value.inherited,
                "'\(entry.key)' is not a key of a \(kind.rawValue) sink",
                hint: "allowed: \(allowed.joined(separator: ", "))")
        }
    }

    mutating func decodeRemoteSink(_ map: YAMLNode, id: String?, kind: SinkSpec.Kind) -> SinkSpec? {
        let before = reader.diagnostics.errorCount
        let remote: RemoteSinkSpec?
        switch kind {
        case .vaultKV:
            refuseKeys(of: map, notIn: Self.vaultSinkKeys, kind: kind)
            remote = decodeVaultSink(map).map(RemoteSinkSpec.vaultKV)
        case .awsSecretsManager:
            refuseKeys(of: map, notIn: Self.secretsManagerSinkKeys, kind: kind)
            remote = decodeSecretsManagerSink(map).map(RemoteSinkSpec.secretsManager)
        case .file, .envFile:
            return nil
        }
        guard reader.diagnostics.errorCount == before, let id, let remote else { return nil }
        return SinkSpec(id: id, remote: remote, location: map.location)
    }

    private mutating func decodeVaultSink(_ map: YAMLNode) -> VaultKVSinkSpec? {
        let context = "a vault-kv sink"
        let address = baseURL(map, key: "address", required: true)
        let mount = pathSegments(map, "mount", context: context)
        let path = pathSegments(map, "path", context: context)
        let field = reader.string(map, "field", required: true, context: context)
        var token: CredentialReference?
        if let node = map["token"] {
            if node.entries == nil {
                // Never echo the value: it is probably a real token.
                reader.error(
                    node, "'token' must be a reference, never the token itself",
                    hint: "write {env: VAULT_TOKEN} or {file: PATH}")
            } else if node.entries?.first?.key == "sink" {
                reader.error(
                    node, "a Vault token cannot come from a sink", hint: "write {env: VAULT_TOKEN} or {file: PATH}")
            } else {
                token = decodeReference(node, key: "token", sinks: [])
            }
        } else {
            reader.error(map, "\(context) needs 'token'", hint: "e.g. token: {env: VAULT_TOKEN}")
        }
        var caFile: String?
        if let text = reader.string(map, "ca_file", required: false, context: context) {
            caFile = resolvePath(text)
            if address?.scheme?.lowercased() == "http", let node = map["ca_file"] {
                reader.error(node, "'ca_file' is for an https address; this one is plain http")
            }
        }
        guard let address, let mount, let path, let field, let token else { return nil }
        return VaultKVSinkSpec(address: address, mount: mount, path: path, field: field, token: token, caFile: caFile)
    }

    private mutating func decodeSecretsManagerSink(_ map: YAMLNode) -> SecretsManagerSinkSpec? {
        let context = "an aws-secretsmanager sink"
        let secretID = reader.string(map, "secret_id", required: true, context: context)
        let region = reader.string(map, "region", required: true, context: context)
        if let region, let node = map["region"], !Self.isRegionName(region) {
            reader.error(node, "'\(region)' is not an AWS region name", hint: "e.g. eu-west-1")
        }
        let key = reader.string(map, "key", required: false, context: context)
        if let key, key.isEmpty, let node = map["key"] { reader.error(node, "'key' must not be empty") }
        let endpoint = map["endpoint_url"] == nil ? nil : baseURL(map, key: "endpoint_url", required: false)
        guard let secretID, let region, map["endpoint_url"] == nil || endpoint != nil else { return nil }
        return SecretsManagerSinkSpec(secretID: secretID, region: region, key: key, endpointURL: endpoint)
    }

    /// `secret`, `team/app`: segments of letters, digits, `-`, `_`, `.` (no `..`), no
    /// leading or trailing slash.
    private mutating func pathSegments(_ map: YAMLNode, _ key: String, context: String) -> String? {
        guard let text = reader.string(map, key, required: true, context: context), let node = map[key] else {
            return nil
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        let valid = segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.unicodeScalars.allSatisfy { $0.isASCII && allowed.contains($0) }
        }
        guard valid else {
            reader.error(
                node, "'\(key)' must be segments of letters, digits, '-', '_' or '.' separated by '/'",
                hint: "like secret, or team/app (no leading or trailing '/')")
            return nil
        }
        return text
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`.
    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCII),
            last.allSatisfy(\.isNumber)
        else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }
    }
}
