// `provider: {kind: http, ...}`: a vendor described, not coded. Every template, pointer and
// URL is checked here, each problem at its own file:line:column (README, "Any vendor: the
// http kind"): an unknown template variable, a secret in a URL (proxies log URLs), a probe
// that would rotate (its URL is the issue URL), plain http to a remote host, a pointer that
// is not RFC 6901, a header value that could split the request, a two-key rotation without
// the id and revoke that make it safe.

import Foundation
import RekeyModel

extension JobDecoder {
    package static let httpProviderKeys = [
        "kind", "rotation", "base_url", "vars", "replaces", "issue", "probe", "revoke",
    ]
    static let httpRequestKeys = ["method", "url", "headers", "body"]
    static let httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    /// RFC 8259's number grammar: what an unquoted YAML scalar must match to be a JSON number.
    nonisolated(unsafe) static let jsonNumber = try! Regex(#"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"#)

    /// The part of the provider block a template sits in: what it may use.
    enum HTTPRequestRole: String {
        case issue, probe, revoke
    }

    mutating func decodeHTTP(_ map: YAMLNode) -> HTTPProviderSpec? {
        let before = reader.diagnostics.errorCount
        let context = "provider 'http'"
        let rotations = HTTPProviderSpec.Rotation.allCases.map(\.rawValue)
        var rotation: HTTPProviderSpec.Rotation?
        if let text = reader.string(map, "rotation", required: true, context: context) {
            rotation = HTTPProviderSpec.Rotation(rawValue: text)
            if rotation == nil {
                reader.error(
                    map["rotation"]!, "unknown rotation '\(text)'",
                    hint: Suggestion.hint(for: text, in: rotations) ?? "one of \(rotations.joined(separator: ", "))")
            }
        }
        let base = map["base_url"] == nil ? nil : baseURL(map, required: false)
        let vars = decodeHTTPVars(map)

        var issue: HTTPProviderSpec.Request?
        var secret: JSONPointer?
        var id: JSONPointer?
        var expiry: JSONPointer?
        if let node = map["issue"] {
            let keys = Self.httpRequestKeys + ["secret", "id", "expiry"]
            if let issueMap = reader.mapping(node, named: "'issue'", allowed: keys) {
                issue = decodeHTTPRequest(issueMap, role: .issue, base: base, vars: vars, defaultMethod: "POST")
                secret = decodePointer(issueMap, "secret", required: true)
                id = decodePointer(issueMap, "id", required: false)
                expiry = decodePointer(issueMap, "expiry", required: false)
            }
        } else {
            reader.error(
                map, "\(context) needs 'issue': the request that issues a new credential",
                hint: "e.g. issue: {method: POST, url: https://api.example.com/v1/keys, secret: /data/key}")
        }

        var probe: HTTPProviderSpec.Probe?
        if let node = map["probe"],
            let probeMap = reader.mapping(node, named: "'probe'", allowed: Self.httpRequestKeys + ["works", "dead"])
        {
            let request = decodeHTTPRequest(probeMap, role: .probe, base: base, vars: vars, defaultMethod: "GET")
            let works = decodeStatuses(probeMap, "works") ?? HTTPProviderSpec.Probe.defaultWorks
            let dead = decodeStatuses(probeMap, "dead") ?? HTTPProviderSpec.Probe.defaultDead
            if let node = probeMap["dead"] ?? probeMap["works"], !Set(works).isDisjoint(with: dead) {
                reader.error(node, "a status cannot be in both 'works' and 'dead'")
            }
            if let request, let issue, Self.sameEndpoint(request.url, issue.url) {
                reader.error(
                    probeMap["url"] ?? probeMap,
                    "the probe's URL is the issue URL: every probe would issue a new credential and throw it away",
                    hint: "probe a read-only endpoint that needs the credential, such as /me or /v1/account")
            }
            if let request, !request.variables.contains(.secret) {
                reader.error(
                    probeMap, "the probe never sends {{secret}}, so it cannot tell whether a credential works",
                    hint: "e.g. headers: {Authorization: \"Bearer {{secret}}\"}")
            }
            if let request { probe = HTTPProviderSpec.Probe(request: request, works: works, dead: dead) }
        }

        var revoke: HTTPProviderSpec.Revoke?
        if let node = map["revoke"] {
            if rotation != .twoKey {
                reader.error(
                    node, "'revoke' is for rotation: two-key only",
                    hint: "a regenerate kills the old credential itself; a login's tokens expire on their own")
            } else if let revokeMap = reader.mapping(node, named: "'revoke'", allowed: Self.httpRequestKeys + ["after"])
            {
                let request = decodeHTTPRequest(
                    revokeMap, role: .revoke, base: base, vars: vars, defaultMethod: "DELETE")
                let after = reader.duration(revokeMap, "after") ?? RekeyDuration(seconds: 0)
                if let request, !request.variables.contains(.previousID) {
                    reader.error(
                        revokeMap,
                        "the revoke never names {{previous.id}}, so it cannot say which credential to revoke",
                        hint: "e.g. url: https://api.example.com/v1/keys/{{previous.id}}")
                }
                if let request { revoke = HTTPProviderSpec.Revoke(request: request, after: after) }
            }
        }
        if rotation == .twoKey {
            if id == nil, let node = map["issue"] {
                reader.error(
                    node, "a two-key rotation needs 'issue.id': the new credential's id, which a later revoke names",
                    hint: "a JSON Pointer into the answer, e.g. id: /data/id")
            }
            if map["revoke"] == nil {
                reader.error(
                    map, "a two-key rotation needs 'revoke': how the previous credential is revoked",
                    hint: "e.g. revoke: {method: DELETE, url: https://api.example.com/v1/keys/{{previous.id}}}")
            }
        }

        if rotation == .regenerate || rotation == .twoKey, map["probe"] == nil {
            reader.error(
                map,
                "a '\(rotation!.rawValue)' rotation needs 'probe': without one rekey can neither check the current key before replacing it nor tell whether a lost answer rotated it",
                hint:
                    "probe a read-only endpoint that needs the credential, e.g. probe: {url: https://api.example.com/v1/me, headers: {Authorization: \"Bearer {{secret}}\"}}"
            )
        }
        let replaces = decodeReplaces(map, rotation: rotation, issue: issue)
        guard reader.diagnostics.errorCount == before, let rotation, let issue, let secret else { return nil }
        return HTTPProviderSpec(
            rotation: rotation, issue: issue, secret: secret, id: id, expiry: expiry, probe: probe, revoke: revoke,
            replaces: replaces, vars: vars)
    }

    /// `replaces:` names the credential a regenerate or two-key rotation replaces; without
    /// it, the one credential the issue request sends. A login replaces nothing.
    private mutating func decodeReplaces(
        _ map: YAMLNode, rotation: HTTPProviderSpec.Rotation?, issue: HTTPProviderSpec.Request?
    ) -> String? {
        let named = reader.string(map, "replaces", required: false, context: "")
        if rotation == .login {
            if let node = map["replaces"] {
                reader.error(
                    node, "a login replaces no credential: its inputs stay valid",
                    hint: "leave 'replaces' out, or use rotation: regenerate")
            }
            return nil
        }
        if let named {
            if let declared = declaredCredentialNames, !declared.contains(named), let node = map["replaces"] {
                reader.error(
                    node, "'replaces' names '\(named)', which is not in 'credentials'",
                    hint: Suggestion.hint(for: named, in: declared.sorted()))
            }
            return named
        }
        guard let issue, rotation != nil else { return nil }
        var sent: [String] = []
        for case .credential(let name) in issue.variables where !sent.contains(name) { sent.append(name) }
        guard sent.count == 1 else {
            reader.error(
                map["issue"] ?? map,
                sent.isEmpty
                    ? "the issue request sends no {{credentials.NAME}}, so rekey cannot tell which credential it replaces"
                    : "the issue request sends \(sent.map { "credentials.\($0)" }.joined(separator: " and ")): say which one the rotation replaces",
                hint: "add replaces: NAME (the credential whose new value the vendor returns)")
            return nil
        }
        return sent[0]
    }

    private mutating func decodeHTTPVars(_ map: YAMLNode) -> [String: String] {
        guard let node = map["vars"] else { return [:] }
        guard let entries = node.entries else {
            reader.error(node, "'vars' must be a mapping of names to plain values, found \(node.typeName)")
            return [:]
        }
        var vars: [String: String] = [:]
        for entry in entries {
            guard let value = entry.value.scalar else {
                reader.error(entry.value, "'vars.\(entry.key)' must be a plain value, found \(entry.value.typeName)")
                continue
            }
            vars[entry.key] = value
        }
        return vars
    }

    private mutating func decodeHTTPRequest(
        _ map: YAMLNode, role: HTTPRequestRole, base: URL?, vars: [String: String], defaultMethod: String
    ) -> HTTPProviderSpec.Request? {
        let before = reader.diagnostics.errorCount
        var method = defaultMethod
        if let text = reader.string(map, "method", required: false, context: "") {
            if Self.httpMethods.contains(text.uppercased()) {
                method = text.uppercased()
            } else {
                reader.error(map["method"]!, "unknown method '\(text)'", hint: Self.httpMethods.joined(separator: ", "))
            }
        }
        let url = decodeHTTPURL(map, role: role, base: base, vars: vars)
        var headers: [HTTPProviderSpec.Header] = []
        if let node = map["headers"] {
            if let entries = node.entries {
                for entry in entries {
                    if let header = decodeHeader(entry, role: role, vars: vars) { headers.append(header) }
                }
            } else {
                reader.error(node, "'headers' must be a mapping of names to values, found \(node.typeName)")
            }
        }
        let body = map["body"].flatMap { decodeBody($0, role: role, vars: vars, depth: 0) }
        guard reader.diagnostics.errorCount == before, let url else { return nil }
        return HTTPProviderSpec.Request(method: method, url: url, headers: headers, body: body)
    }

    /// An absolute URL (https://, or http:// to loopback), or a path joined to `base_url`;
    /// templates only after the host, and none that is a secret.
    private mutating func decodeHTTPURL(_ map: YAMLNode, role: HTTPRequestRole, base: URL?, vars: [String: String])
        -> HTTPTemplate?
    {
        guard let text = reader.string(map, "url", required: true, context: "'\(role.rawValue)'"),
            let node = map["url"]
        else { return nil }
        var full = text
        if text.hasPrefix("/") {
            guard let base else {
                reader.error(node, "'url' is a path, but the provider has no 'base_url'", hint: "write the whole URL")
                return nil
            }
            var root = base.absoluteString
            while root.hasSuffix("/") { root.removeLast() }
            full = root + text
        }
        guard let template = template(full, node, role: role, vars: vars) else { return nil }
        for variable in template.variables where variable.isSecret {
            reader.error(
                node, "'{{\(variable)}}' is a secret in a URL, which proxies and access logs record",
                hint: "send it in a header or the body instead")
        }
        // Scheme, host and port are literal text: they decide where credentials go.
        guard case .literal(let head)? = template.parts.first, let schemeEnd = head.range(of: "://") else {
            reader.error(node, "'url' must start with https:// and a host (no template before the path)")
            return nil
        }
        let afterScheme = head[schemeEnd.upperBound...]
        if afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) == nil, template.parts.count > 1 {
            reader.error(node, "templates may appear only in the path or query of 'url', not in its host")
            return nil
        }
        let placeholder = template.render { _ in "x" }
        guard let url = URL(string: placeholder), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty, url.user == nil, url.fragment == nil
        else {
            reader.error(node, "'url' is not a URL like https://api.example.com/v1/keys")
            return nil
        }
        if !(scheme == "https" || (scheme == "http" && url.isLoopback)) {
            reader.error(
                node, "'url' must use https:// (plain http is allowed only to a loopback host)",
                hint: "credentials travel in this request")
            return nil
        }
        return template
    }

    private mutating func decodeHeader(_ entry: YAMLEntry, role: HTTPRequestRole, vars: [String: String])
        -> HTTPProviderSpec.Header?
    {
        let tokenCharacters = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~").union(.alphanumerics)
        guard !entry.key.isEmpty, entry.key.unicodeScalars.allSatisfy({ $0.isASCII && tokenCharacters.contains($0) })
        else {
            reader.error(at: entry.keyLocation, inherited: entry.value.inherited, "'\(entry.key)' is not a header name")
            return nil
        }
        guard let value = entry.value.scalar else {
            reader.error(entry.value, "header '\(entry.key)' must be a string, found \(entry.value.typeName)")
            return nil
        }
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            reader.error(
                entry.value, "header '\(entry.key)' holds a line break or NUL, which would split the request")
            return nil
        }
        guard let template = template(value, entry.value, role: role, vars: vars) else { return nil }
        return HTTPProviderSpec.Header(name: entry.key, value: template)
    }

    private mutating func decodeBody(_ node: YAMLNode, role: HTTPRequestRole, vars: [String: String], depth: Int)
        -> JSONTemplate?
    {
        switch node.kind {
        case .scalar(let text, let quoted):
            if quoted { return template(text, node, role: role, vars: vars).map(JSONTemplate.string) }
            if isNullScalar(text) { return .null }
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
            if (try? Self.jsonNumber.wholeMatch(in: text)) != nil { return .number(text) }
            return template(text, node, role: role, vars: vars).map(JSONTemplate.string)
        case .sequence(let items):
            var out: [JSONTemplate] = []
            for item in items {
                guard let value = decodeBody(item, role: role, vars: vars, depth: depth + 1) else { return nil }
                out.append(value)
            }
            return .array(out)
        case .mapping(let entries):
            var members: [JSONTemplate.Member] = []
            for entry in entries {
                if entry.key.contains("{{") {
                    reader.error(
                        at: entry.keyLocation, inherited: entry.value.inherited,
                        "templates go in the body's string values, not its keys")
                    return nil
                }
                guard let value = decodeBody(entry.value, role: role, vars: vars, depth: depth + 1) else { return nil }
                members.append(JSONTemplate.Member(key: entry.key, value: value))
            }
            return .object(members)
        }
    }

    /// Parses `text` and checks each variable is known and allowed where it stands.
    private mutating func template(_ text: String, _ node: YAMLNode, role: HTTPRequestRole, vars: [String: String])
        -> HTTPTemplate?
    {
        let template: HTTPTemplate
        do {
            template = try HTTPTemplate(parsing: text)
        } catch {
            reader.error(
                node, error.description,
                hint:
                    "known: {{credentials.NAME}}, {{secret}}, {{previous.id}}, {{job.name}}, {{job.tenant}}, {{job.env}}, {{provider.NAME}} (a name under vars:)"
            )
            return nil
        }
        var fine = true
        for variable in template.variables {
            switch variable {
            case .credential(let name):
                if role == .probe {
                    reader.error(
                        node, "a probe sends only the credential it checks: {{secret}}, not {{credentials.\(name)}}")
                    fine = false
                } else if let declared = declaredCredentialNames, !declared.contains(name) {
                    reader.error(
                        node, "unknown template variable '{{credentials.\(name)}}': 'credentials' has no '\(name)'",
                        hint: Suggestion.hint(for: name, in: declared.sorted()).map { $0 } ?? "add it to 'credentials'")
                    fine = false
                }
            case .secret where role == .issue:
                reader.error(
                    node, "'{{secret}}' is the new credential, which the issue request does not have yet",
                    hint: "send the current one as {{credentials.NAME}}")
                fine = false
            case .previousID where role != .revoke:
                reader.error(node, "'{{previous.id}}' is known only to the revoke request")
                fine = false
            case .provider(let name) where vars[name] == nil:
                reader.error(
                    node, "unknown template variable '{{provider.\(name)}}': 'vars' has no '\(name)'",
                    hint: Suggestion.hint(for: name, in: vars.keys.sorted()))
                fine = false
            default:
                break
            }
        }
        return fine ? template : nil
    }

    private mutating func decodePointer(_ map: YAMLNode, _ key: String, required: Bool) -> JSONPointer? {
        guard let text = reader.string(map, key, required: required, context: "'issue'"), let node = map[key] else {
            return nil
        }
        guard let pointer = JSONPointer(text), !pointer.tokens.isEmpty || key == "secret" else {
            reader.error(
                node, "'\(key)' is not an RFC 6901 JSON Pointer: '\(text)'",
                hint: "start it with '/', like /data/key; write '~1' for a '/' and '~0' for a '~' inside a name")
            return nil
        }
        return pointer
    }

    private mutating func decodeStatuses(_ map: YAMLNode, _ key: String) -> [Int]? {
        guard let items = reader.list(map, key) else { return nil }
        var statuses: [Int] = []
        for item in items {
            guard !item.isQuotedScalar, let text = item.scalar, let code = Int(text), (100...599).contains(code) else {
                reader.error(item, "'\(key)' holds HTTP statuses (100-599), found \(item.typeName)")
                continue
            }
            statuses.append(code)
        }
        return statuses
    }

    /// Whether two URL templates reach the same endpoint: compared without query or
    /// fragment, percent-encoding, empty and dot segments and trailing slashes, ignoring case.
    static func sameEndpoint(_ one: HTTPTemplate, _ other: HTTPTemplate) -> Bool {
        func normalized(_ template: HTTPTemplate) -> String {
            let text = template.render { "{{\($0)}}" }
            let bare = String(text.prefix { $0 != "?" && $0 != "#" })
            guard let schemeEnd = bare.range(of: "://") else { return bare.lowercased() }
            let rest = bare[schemeEnd.upperBound...]
            let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            let origin = bare[..<hostEnd].lowercased()
            var segments: [Substring] = []
            let path = String(rest[hostEnd...])
            for segment in (path.removingPercentEncoding ?? path).split(separator: "/") where segment != "." {
                if segment == ".." { _ = segments.popLast() } else { segments.append(segment) }
            }
            return origin + "/" + segments.joined(separator: "/").lowercased()
        }
        return normalized(one) == normalized(other)
    }
}
