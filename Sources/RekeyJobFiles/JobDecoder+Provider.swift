// The `provider:` block of a job: its kind and per-kind fields.

import Foundation
import RekeyModel

extension JobDecoder {
    package static let providerKeys: [ProviderKind: [String]] = [
        .questionProAPIKey: ["kind", "datacenter", "base_url", "organization_id", "probe_path"],
        .qrveyAdminToken: ["kind", "base_url", "username", "path", "fields"],
        .qrveyComposerToken: ["kind", "base_url", "user_id", "app_id", "client_id", "expires_in", "path", "fields"],
        .http: JobDecoder.httpProviderKeys,
    ]

    /// The provider's kind (when it names a known one) and its spec (when every field is valid).
    package mutating func decodeProvider(_ node: YAMLNode) -> (kind: ProviderKind?, spec: ProviderSpec?) {
        guard node.entries != nil else {
            reader.error(node, "'provider' must be a mapping, found \(node.typeName)")
            return (nil, nil)
        }
        let kinds = ProviderKind.allCases.map(\.rawValue)
        guard let kindText = reader.string(node, "kind", required: true, context: "'provider'") else {
            return (nil, nil)
        }
        guard let kind = ProviderKind(rawValue: kindText) else {
            reader.error(
                node["kind"]!, "unknown provider kind '\(kindText)'",
                hint: Suggestion.hint(for: kindText, in: kinds) ?? "known kinds: \(kinds.joined(separator: ", "))")
            return (nil, nil)
        }
        guard let map = reader.mapping(node, named: "provider '\(kind.rawValue)'", allowed: Self.providerKeys[kind]!)
        else { return (kind, nil) }
        switch kind {
        case .questionProAPIKey: return (kind, decodeQuestionPro(map).map(ProviderSpec.questionPro))
        case .qrveyAdminToken: return (kind, decodeQrveyAdmin(map).map(ProviderSpec.qrveyAdmin))
        case .qrveyComposerToken: return (kind, decodeQrveyComposer(map).map(ProviderSpec.qrveyComposer))
        case .http: return (kind, decodeHTTP(map).map(ProviderSpec.http))
        }
    }

    private mutating func decodeQuestionPro(_ map: YAMLNode) -> QuestionProSpec? {
        var base: URL?
        switch (map["datacenter"], map["base_url"]) {
        case (nil, nil):
            reader.error(
                map, "provider 'questionpro.api-key' needs 'datacenter' or 'base_url'",
                hint: "datacenter is one of \(QuestionProSpec.datacenters.joined(separator: ", "))")
        case (let dc?, nil):
            if let text = dc.scalar, QuestionProSpec.datacenters.contains(text) {
                base = QuestionProSpec.baseURL(datacenter: text)
            } else {
                reader.error(
                    dc, "unknown QuestionPro datacenter\(dc.scalar.map { " '\($0)'" } ?? "")",
                    // No "did you mean": codes of two letters are all one edit apart ('us' is not 'eu').
                    hint:
                        "one of \(QuestionProSpec.datacenters.joined(separator: ", ")) (api.questionpro.com is 'com'), or set base_url"
                )
            }
        case (_?, let url?):
            reader.error(url, "set 'datacenter' or 'base_url', not both")
        case (nil, _?):
            base = baseURL(map, required: true)
        }
        let organization = reader.string(
            map, "organization_id", required: true, context: "provider 'questionpro.api-key'")
        let probe = reader.string(map, "probe_path", required: false, context: "")
        if let probe, let node = map["probe_path"] {
            if !probe.hasPrefix("/") {
                reader.error(node, "'probe_path' must start with '/'")
            } else if Self.isRegeneratePath(probe) {
                reader.error(
                    node,
                    "'probe_path' is the regenerate endpoint: every probe would rotate the key and throw the new one away",
                    hint: "leave probe_path out for the default, which lists one user, or name a read-only endpoint")
            }
        }
        guard let base, let organization else { return nil }
        return QuestionProSpec(
            baseURL: base, organizationID: organization, probePath: probe ?? QuestionProSpec.defaultProbePath)
    }

    /// Whether `path` reaches QuestionPro's regenerate endpoint: compared without query
    /// or fragment, percent-encoding, empty and dot segments and trailing slashes, ignoring case.
    package static func isRegeneratePath(_ path: String) -> Bool {
        func normalized(_ path: String) -> String {
            let bare = String(path.prefix { $0 != "?" && $0 != "#" })
            var segments: [Substring] = []
            for segment in (bare.removingPercentEncoding ?? bare).split(separator: "/") where segment != "." {
                if segment == ".." { _ = segments.popLast() } else { segments.append(segment) }
            }
            return "/" + segments.joined(separator: "/").lowercased()
        }
        return normalized(path) == normalized(QuestionProSpec.regeneratePath)
    }

    private mutating func decodeQrveyAdmin(_ map: YAMLNode) -> QrveyAdminSpec? {
        let base = baseURL(map, required: true)
        let username = reader.string(map, "username", required: true, context: "provider 'qrvey.admin-token'")
        let path = decodePath(map)
        let fields = decodeFields(map, allowed: Array(QrveyAdminSpec.defaultFields.keys).sorted())
        guard let base, let username else { return nil }
        return QrveyAdminSpec(
            baseURL: base, username: username, path: path ?? QrveyAdminSpec.defaultPath, fields: fields)
    }

    private mutating func decodeQrveyComposer(_ map: YAMLNode) -> QrveyComposerSpec? {
        let context = "provider 'qrvey.composer-token'"
        let base = baseURL(map, required: true)
        let user = reader.string(map, "user_id", required: true, context: context)
        let app = reader.string(map, "app_id", required: true, context: context)
        let client = reader.string(map, "client_id", required: false, context: context)
        let expiresIn = reader.string(map, "expires_in", required: false, context: context)
        if let expiresIn, RekeyDuration.parse(expiresIn) == nil, let node = map["expires_in"] {
            reader.error(
                node, "'expires_in' is not a duration: '\(expiresIn)'", hint: "Qrvey takes values like 60m or 1w")
        }
        let path = decodePath(map)
        let fields = decodeFields(map, allowed: Array(QrveyComposerSpec.defaultFields.keys).sorted())
        guard let base, let user, let app else { return nil }
        return QrveyComposerSpec(
            baseURL: base, userID: user, appID: app, clientID: client, expiresIn: expiresIn,
            path: path ?? QrveyComposerSpec.defaultPath, fields: fields)
    }

    private mutating func decodePath(_ map: YAMLNode) -> String? {
        guard let path = reader.string(map, "path", required: false, context: "") else { return nil }
        guard path.hasPrefix("/") else {
            reader.error(map["path"]!, "'path' must start with '/'")
            return nil
        }
        return path
    }

    /// `fields:` renames the JSON fields Qrvey is assumed to use.
    private mutating func decodeFields(_ map: YAMLNode, allowed: [String]) -> [String: String] {
        guard let node = map["fields"], let fieldsMap = reader.mapping(node, named: "'fields'", allowed: allowed)
        else { return [:] }
        var fields: [String: String] = [:]
        for entry in fieldsMap.entries ?? [] where allowed.contains(entry.key) {
            if let name = reader.string(fieldsMap, entry.key, required: true, context: "'fields'") {
                fields[entry.key] = name
            }
        }
        return fields
    }
}
