// The sandbox's described vendor, for `kind: http` jobs: API keys with ids (a regenerate
// replaces the caller's key; a two-key vendor holds at most `httpMaximumKeys` and revokes
// by id), OAuth clients that log in for tokens, and a probe that accepts any live key or
// token. Its answer has whatever JSON shape `SandboxOptions.httpAnswer` gives it.

import Foundation

public struct SandboxHTTPKey: Sendable, Codable, Hashable {
    public var id: String
    public var key: String
}

extension VendorSandbox {
    public static let defaultHTTPAnswer =
        #"{"data":{"id":"{{id}}","key":"{{key}}","expires_at":"{{expires_at}}"},"meta":{"vendor":"sandbox"}}"#
    /// The base of the described vendor's paths.
    public static let httpPathPrefix = "/v1"

    /// Adds an API key (a fresh one unless `key` is given) and returns it with its id.
    @discardableResult
    public func addHTTPKey(key: String? = nil) -> SandboxHTTPKey {
        let key = key ?? state.newKey().replacingOccurrences(of: "qp", with: "hk")
        return state.storage.withLock { s in
            s.httpKeyCounter += 1
            let entry = SandboxHTTPKey(id: "key_\(s.httpKeyCounter)", key: key)
            s.httpKeys.append(entry)
            return entry
        }
    }

    /// The described vendor's live API keys, oldest first.
    public var httpKeys: [SandboxHTTPKey] { state.storage.withLock { $0.httpKeys } }
    public var httpClients: [String: String] { state.storage.withLock { $0.httpClients } }
    /// Every key or token the described vendor accepts right now.
    public var httpAcceptedSecrets: Set<String> {
        state.storage.withLock { Set($0.httpKeys.map(\.key)).union($0.httpTokens) }
    }
}
