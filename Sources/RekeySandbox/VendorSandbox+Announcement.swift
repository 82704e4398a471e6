// What `rekey sandbox` prints when it is up: where it listens and which keys are valid.

import Foundation

extension VendorSandbox {
    public func announcement(url: URL) -> String {
        var lines = ["rekey sandbox listening on \(url.absoluteString) (Ctrl-C stops it)", "QuestionPro accounts:"]
        for account in questionProAccounts {
            lines.append("  organization_id \(account.organizationID)  api_key \(account.apiKey)")
        }
        for (user, key) in adminUsers.sorted(by: { $0.key < $1.key }) {
            lines.append("Qrvey admin: username \(user)  access_key \(key)")
        }
        for key in composerAPIKeys { lines.append("Qrvey composer: x-api-key \(key)") }
        let prefix = url.absoluteString + Self.httpPathPrefix
        lines.append(
            "Described vendor (kind: http): POST \(prefix)/keys/regenerate · POST \(prefix)/keys · DELETE \(prefix)/keys/{id} · POST \(prefix)/oauth/token · GET \(prefix)/me (Authorization: Bearer)"
        )
        for key in httpKeys { lines.append("  key id \(key.id)  api_key \(key.key)") }
        for (client, secret) in httpClients.sorted(by: { $0.key < $1.key }) {
            lines.append("  client_id \(client)  client_secret \(secret)")
        }
        return lines.joined(separator: "\n")
    }

    public func announcementJSON(url: URL) throws -> String {
        let document: [String: Any] = [
            "url": url.absoluteString,
            "questionpro": questionProAccounts.map { ["organization_id": $0.organizationID, "api_key": $0.apiKey] },
            "qrvey_admin": adminUsers.map { ["username": $0.key, "access_key": $0.value] },
            "qrvey_composer": composerAPIKeys.map { ["api_key": $0] },
            "http": [
                "keys": httpKeys.map { ["id": $0.id, "api_key": $0.key] },
                "clients": httpClients.map { ["client_id": $0.key, "client_secret": $0.value] },
            ],
        ]
        let data = try JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
