// What the tests do to the stores behind rekey's back: seed and inspect secrets, make and
// revoke Vault tokens, act as a concurrent writer. Plain URLSession, no rekey code.

import Foundation
import RekeyTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange, synchronously (test set-up only).
func exchange(_ method: String, _ url: URL, headers: [String: String] = [:], body: Any? = nil) throws -> (
    status: Int, json: [String: Any]
) {
    var request = URLRequest(url: url)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, Data) = (0, Data())
    URLSession.shared.dataTask(with: request) { data, response, _ in
        result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())
        semaphore.signal()
    }.resume()
    _ = semaphore.wait(timeout: .now() + 30)
    let json = (try? JSONSerialization.jsonObject(with: result.1)) as? [String: Any] ?? [:]
    return (result.0, json)
}

struct VaultAdmin {
    let server: LocalStoreServer
    var token = LocalStoreServer.openBaoRootToken

    func url(_ path: String) -> URL { URL(string: server.url.absoluteString + "/v1/" + path)! }

    /// Writes `fields` as the new version of `secret/data/{path}` (no check-and-set).
    @discardableResult
    func put(_ path: String, _ fields: [String: Any]) throws -> Int {
        let answer = try exchange(
            "POST", url("secret/data/\(path)"), headers: ["X-Vault-Token": token], body: ["data": fields])
        return ((answer.json["data"] as? [String: Any])?["version"] as? Int) ?? -answer.status
    }

    /// The latest version's number and fields.
    func get(_ path: String) throws -> (version: Int, fields: [String: Any]) {
        let answer = try exchange("GET", url("secret/data/\(path)"), headers: ["X-Vault-Token": token])
        let data = answer.json["data"] as? [String: Any]
        return (
            ((data?["metadata"] as? [String: Any])?["version"] as? Int) ?? 0, data?["data"] as? [String: Any] ?? [:]
        )
    }

    /// A new token with `policies` (a policy `name` → HCL made first).
    func token(policies: [String: String], ttl: String = "1h") throws -> String {
        for (name, hcl) in policies {
            _ = try exchange(
                "PUT", url("sys/policies/acl/\(name)"), headers: ["X-Vault-Token": token], body: ["policy": hcl])
        }
        let answer = try exchange(
            "POST", url("auth/token/create"), headers: ["X-Vault-Token": token],
            body: ["policies": Array(policies.keys), "ttl": ttl, "no_default_policy": false])
        return (answer.json["auth"] as? [String: Any])?["client_token"] as? String ?? ""
    }

    func revoke(_ child: String) throws {
        _ = try exchange("POST", url("auth/token/revoke"), headers: ["X-Vault-Token": token], body: ["token": child])
    }
}

/// A unique secret path per test.
func uniquePath(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
