// Walks one job's (merged) node tree into a `Job`, collecting every problem. The
// per-area parts (provider, credentials, policy, sinks, hooks) are in the
// `JobDecoder+*.swift` files beside this one.

import Foundation
import RekeyModel

package struct JobDecoder {
    package static let jobKeys = [
        "name", "description", "tenant", "env", "provider", "credentials", "policy", "sinks", "hooks", "on_failure",
        "previous_id", "host", "hosts",
    ]
    /// Job names become file names (spool, locks) and audit keys: keep them plain.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 128 else { return false }
        func plain(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        return plain(first) && name.unicodeScalars.allSatisfy { plain($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    package var reader = NodeReader()
    /// The keys under the job's `credentials:` (read before the provider, whose `http`
    /// templates may name only these): empty when it has none, nil when it is not a mapping.
    package var declaredCredentialNames: Set<String>?
    /// The directory relative sink paths are resolved against.
    package let baseDirectory: String
    /// `baseDirectory` with its symlinks resolved, once per decoder (Foundation's
    /// `resolvingSymlinksInPath` for every sink path was 7% of a 10,000-file tick).
    let resolvedBaseDirectory: String

    package init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
        let absolute =
            baseDirectory.hasPrefix("/")
            ? baseDirectory : FileManager.default.currentDirectoryPath + "/" + baseDirectory
        self.resolvedBaseDirectory = ResolvedPath.resolve(absolute)
    }

    package var diagnostics: [Diagnostic] { reader.diagnostics.diagnostics }

    package mutating func decode(_ node: YAMLNode) -> Job? {
        if let nameNode = node["name"], let name = nameNode.scalar { reader.jobName = name }
        guard let map = reader.mapping(node, named: "a job", allowed: Self.jobKeys) else { return nil }
        let before = reader.diagnostics.errorCount

        let name = reader.string(map, "name", required: true, context: "a job")
        if let name, !Self.isValidName(name), let nameNode = map["name"] {
            reader.error(
                nameNode, "job name '\(name)' may hold only letters, digits, '.', '_' and '-' (at most 128)",
                hint: "the name keys the job's history, so pick it once")
        }
        _ = reader.string(map, "description", required: false, context: "a job")
        let tenant = plainName(map, "tenant")
        let env = plainName(map, "env")

        // The kind alone decides the credential keys and policy rules, so they are
        // checked even when the rest of the provider block is broken.
        var kind: ProviderKind?
        var provider: ProviderSpec?
        declaredCredentialNames = map["credentials"].map { $0.entries.map { Set($0.map(\.key)) } } ?? []
        if let providerNode = map["provider"] {
            (kind, provider) = decodeProvider(providerNode)
        } else {
            reader.error(map, "a job needs 'provider'", hint: "e.g. provider: {kind: questionpro.api-key, ...}")
        }
        let sinks = decodeSinks(map)
        let credentials =
            kind == .http
            ? decodeHTTPCredentials(map, provider: provider, sinks: sinks)
            : decodeCredentials(map, kind: kind, sinks: sinks)
        let policy = decodePolicy(map, kind: kind)
        let hooks = decodeHooks(map, key: "hooks")
        let onFailure = decodeHooks(map, key: "on_failure")
        if kind == .http, let policy { checkRevokeOverlap(policy: policy, map) }
        let previousID = decodePreviousID(map, provider: provider)
        let (host, hosts) = decodeHost(map, provider: provider)

        guard reader.diagnostics.errorCount == before, let name, let tenant, let env, let provider, let policy
        else { return nil }
        return Job(
            name: name, tenant: tenant, env: env, provider: provider, credentials: credentials, policy: policy,
            sinks: sinks, hooks: hooks, onFailure: onFailure, location: map.location, previousID: previousID,
            host: host, hosts: hosts)
    }

    /// `host:` (fleet mode): the host identity (`--host` / REKEY_HOST) that alone claims the
    /// job, for jobs whose file sinks live on that host. `hosts: [..]`: several identities,
    /// each of which delivers the job's file sinks on its own machine (one issues, each
    /// delivers from the shared spool, `done` when all have). One or the other, never both.
    private mutating func decodeHost(_ map: YAMLNode, provider: ProviderSpec?) -> (host: String?, hosts: [String]) {
        let hosts = decodeHosts(map, provider: provider)
        guard let node = map["host"], let host = reader.string(map, "host", required: false, context: "a job")
        else { return (nil, hosts) }
        guard Self.isValidName(host) else {
            reader.error(node, "'host' must be \(Self.hostIdentityRule)", hint: Self.hostIdentityHint)
            return (nil, hosts)
        }
        if map["hosts"] != nil {
            reader.error(
                node,
                "a job names either 'host' (one host delivers it) or 'hosts' (each listed host delivers it), not both",
                hint: "keep host: \(host) alone, or add \(host) to hosts: and remove host:")
        }
        return (host, hosts)
    }

    private static let hostIdentityRule = "a host identity of letters, digits, '.', '_' and '-' (at most 128)"
    private static let hostIdentityHint = "the value this host's rekey runs with: --host, REKEY_HOST, or its hostname"

    /// `hosts: [a, b]`: at least two distinct identities (one host is `host:`).
    private mutating func decodeHosts(_ map: YAMLNode, provider: ProviderSpec?) -> [String] {
        guard let node = map["hosts"], let items = reader.list(map, "hosts") else { return [] }
        var hosts: [String] = []
        for item in items {
            guard let host = item.scalar, Self.isValidName(host) else {
                reader.error(item, "each of 'hosts' must be \(Self.hostIdentityRule)", hint: Self.hostIdentityHint)
                continue
            }
            if hosts.contains(host) {
                reader.error(item, "'hosts' names \(host) twice", hint: "list each host identity once")
                continue
            }
            hosts.append(host)
        }
        if hosts.count == 1, items.count == 1 {
            reader.error(node, "'hosts' lists one host", hint: "write host: \(hosts[0]) instead")
            return []
        }
        // A regenerate kills the old key on the vendor's side as soon as the first host has
        // the new one: every other host's app fails until its own rekey delivers.
        if let provider, provider.rotationKillsOldCredential, hosts.count > 1 {
            reader.warning(
                node,
                "with 'hosts', the first host to rotate this job kills the old key at the vendor; the other hosts' apps fail until their own rekey run delivers the new one",
                hint:
                    "run rekey on every listed host from the same schedule (a host that finds another delivering waits for it), or use a vendor rotation that keeps the old key working (rotation: two-key)"
            )
        }
        return hosts
    }

    /// `previous_id:`: the id of the credential a two-key job holds before its first rotation,
    /// which that rotation revokes. Held to the same rule as any id that goes into a URL.
    private mutating func decodePreviousID(_ map: YAMLNode, provider: ProviderSpec?) -> String? {
        guard let node = map["previous_id"],
            let id = reader.string(map, "previous_id", required: false, context: "a job")
        else { return nil }
        if let provider {
            guard case .http(let spec) = provider, spec.rotation == .twoKey else {
                reader.error(
                    node,
                    "'previous_id' is for rotation: two-key only: it names the credential the first rotation revokes",
                    hint: "leave it out, or use provider: {kind: http, rotation: two-key, ...}")
                return nil
            }
        }
        guard CredentialID.isSafe(id) else {
            // Not echoed: it may hold exactly the characters that make it unsafe.
            reader.error(
                node,
                "'previous_id' may not be empty or hold \(CredentialID.refusedCharacters): it goes into the revoke URL",
                hint: "write the id exactly as the vendor shows it, e.g. previous_id: key_1")
            return nil
        }
        return id
    }

    /// `tenant` and `env` name the job in reports, metrics and CSV: held to the
    /// job-name alphabet, so a control character cannot forge a row. The value is not
    /// echoed, since it may hold exactly such characters.
    private mutating func plainName(_ map: YAMLNode, _ key: String) -> String? {
        guard let value = reader.string(map, key, required: true, context: "a job") else { return nil }
        guard Self.isValidName(value) else {
            reader.error(
                map[key] ?? map,
                "'\(key)' may hold only letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)",
                hint: "it names the job in reports, metrics and CSV; write it like acme or prod-eu")
            return nil
        }
        return value
    }

    /// `https://…`, or `http://` to a loopback host (the sandbox, a local proxy).
    package mutating func baseURL(_ map: YAMLNode, key: String = "base_url", required: Bool) -> URL? {
        guard let text = reader.string(map, key, required: required, context: "this provider"), let node = map[key]
        else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.query == nil, url.user == nil
        else {
            reader.error(node, "'\(key)' is not a URL like https://api.example.com")
            return nil
        }
        if scheme == "https" { return url }
        if scheme == "http" && url.isLoopback { return url }
        reader.error(
            node, "'\(key)' must use https:// (plain http is allowed only to a loopback host)",
            hint: "credentials travel in this request")
        return nil
    }
}
