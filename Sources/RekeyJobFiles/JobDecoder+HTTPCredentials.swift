// The `credentials:` of an `http` job: any names (the templates say which they use), each a
// reference like every other kind's; the one a regenerate or two-key rotation replaces must
// be where the new key is delivered. And the two-key overlap, checked against `every`.

import Foundation
import RekeyModel

extension JobDecoder {
    mutating func decodeHTTPCredentials(_ map: YAMLNode, provider: ProviderSpec?, sinks: [SinkSpec])
        -> [String: CredentialReference]
    {
        guard let node = map["credentials"] else { return [:] }
        guard let entries = node.entries else {
            reader.error(node, "'credentials' must be a mapping, found \(node.typeName)")
            return [:]
        }
        let spec: HTTPProviderSpec? = if case .http(let spec)? = provider { spec } else { nil }
        var references: [String: CredentialReference] = [:]
        for entry in entries {
            guard let reference = decodeReference(entry.value, key: entry.key, sinks: sinks) else { continue }
            if let spec, entry.key == ProviderSpec.http(spec).replacedCredentialKey,
                !canReceiveNewKey(reference, entry.value, key: entry.key, .http, sinks)
            {
                continue
            }
            if let spec, !spec.credentialNames.contains(entry.key) {
                reader.warning(
                    entry.value, "credential '\(entry.key)' is not used by any request of this provider",
                    hint: "send it with {{credentials.\(entry.key)}}, or remove it")
            }
            references[entry.key] = reference
        }
        return references
    }

    /// A two-key job's overlap must end before the next rotation is due (read from the
    /// nodes, so it is reported even when another part of the provider is broken).
    mutating func checkRevokeOverlap(policy: Policy, _ map: YAMLNode) {
        guard let revokeNode = map["provider"]?["revoke"], let node = revokeNode["after"],
            let after = reader.durationIfValid(revokeNode, "after"), let every = policy.every,
            after.seconds >= every.seconds
        else { return }
        reader.error(
            node, "'after' (\(after)) must be shorter than 'policy.every' (\(every))",
            hint: "the previous credential must be revoked before the next rotation issues another")
    }
}
