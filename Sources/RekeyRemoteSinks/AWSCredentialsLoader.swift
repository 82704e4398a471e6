// AWS credentials the way the AWS CLI finds them, minus what needs the network: the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
// profile (AWS_PROFILE, else `default`) of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) and of the config file
// (AWS_CONFIG_FILE, else ~/.aws/config). No instance roles, no SSO, no process
// credentials yet.

import Foundation
import RekeyModel

public struct AWSCredentialsLoader: Sendable {
    public struct NotFound: Error, Sendable, CustomStringConvertible {
        public var profile: String
        public var searched: [String]

        public var description: String {
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or give profile '\(profile)' aws_access_key_id and aws_secret_access_key in \(searched.joined(separator: " or ")). Instance roles, SSO and credential processes are not supported yet"
        }
    }

    let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func load() throws(NotFound) -> AWSCredentials {
        if let id = nonEmpty("AWS_ACCESS_KEY_ID"), let secret = nonEmpty("AWS_SECRET_ACCESS_KEY") {
            return AWSCredentials(
                accessKeyID: id, secretAccessKey: Secret(secret),
                sessionToken: nonEmpty("AWS_SESSION_TOKEN").map { Secret($0) })
        }
        let profile = nonEmpty("AWS_PROFILE") ?? "default"
        let home = environment["HOME"] ?? NSHomeDirectory()
        let credentialsFile = nonEmpty("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configFile = nonEmpty("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let sources = [
            (credentialsFile, profile),
            (configFile, profile == "default" ? "default" : "profile \(profile)"),
        ]
        for (file, section) in sources {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let values = Self.section(section, of: text)
            if let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] {
                return AWSCredentials(
                    accessKeyID: id, secretAccessKey: Secret(secret),
                    sessionToken: values["aws_session_token"].map { Secret($0) })
            }
        }
        throw NotFound(profile: profile, searched: sources.map(\.0))
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// The `key = value` lines of `[name]` in an INI file (`#` and `;` comment lines skipped).
    static func section(_ name: String, of text: String) -> [String: String] {
        var values: [String: String] = [:]
        var inside = false
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                inside = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) == name
                continue
            }
            guard inside, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { values[key] = value }
        }
        return values
    }
}
