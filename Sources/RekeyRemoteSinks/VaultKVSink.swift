// One field of a Vault/OpenBao KV v2 secret. A write reads the secret, replaces the one
// field (every other field kept), and writes with `options.cas` = the version read, so a
// concurrent writer is never overwritten: on a check-and-set conflict it re-reads and
// tries again, at most `maximumConflictRetries` times. Preflight proves, before any
// vendor call, that Vault answers, the token may read the secret, and may write it.

import Foundation
import RekeyDelivery
import RekeyModel

struct VaultKVSink: Sendable {
    static let maximumConflictRetries = 5

    let spec: VaultKVSinkSpec
    let token: Secret
    let http: StoreHTTPClient
    let timeout: Duration
    /// Runs between each read and its check-and-set write (attempt 1, 2, …): tests play a
    /// concurrent writer here.
    var beforeWrite: @Sendable (Int) async -> Void = { _ in }

    var store: String { "Vault KV \(spec.display)" }

    /// The latest version: its number (0: none yet) and its data as a JSON object.
    struct Snapshot: Sendable {
        var version: Int
        var data: Data

        var fields: [String: Any] {
            (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }
    }

    func failure(_ kind: RemoteSinkFailure.Kind, _ detail: String, transient: Bool = false) -> SinkError {
        .remote(RemoteSinkFailure(store: store, kind: kind, detail: detail, isTransient: transient))
    }

    private func send(_ method: String, _ url: URL, body: Data? = nil) async throws(SinkError) -> StoreResponse {
        var headers = [("X-Vault-Token", token.revealed)]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        do {
            return try await http.send(
                method: method, url: url, headers: headers, body: body, caFile: spec.caFile, timeout: timeout,
                store: store)
        } catch {
            throw .remote(error)
        }
    }

    /// The error for an answer no rule accepts (status only, never the body).
    func unexpected(_ status: Int, _ step: String) -> SinkError {
        switch status {
        case 401, 403:
            failure(
                .unauthorised,
                "Vault refused the token (\(status)) at \(step): it is expired, revoked, or its policy does not allow this"
            )
        case 429, 500...599:
            failure(.rejected, "Vault answered \(status) at \(step)", transient: true)
        default:
            failure(.rejected, "Vault answered \(status) at \(step)")
        }
    }

    func snapshot() async throws(SinkError) -> Snapshot {
        let response = try await send("GET", spec.dataURL)
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let data = object?["data"] as? [String: Any]
        let version = (data?["metadata"] as? [String: Any])?["version"] as? Int
        switch response.status {
        case 200:
            guard let version else {
                throw failure(.rejected, "Vault's answer has no version (is \(spec.mount) a KV v2 mount?)")
            }
            let fields = data?["data"] as? [String: Any] ?? [:]
            return Snapshot(
                version: version, data: (try? JSONSerialization.data(withJSONObject: fields)) ?? Data("{}".utf8))
        case 404:
            // No secret yet (version 0), or a deleted latest version (its metadata still counts).
            return Snapshot(version: version ?? 0, data: Data("{}".utf8))
        default:
            throw unexpected(response.status, "reading the secret")
        }
    }

    func read() async throws(SinkError) -> Secret {
        let current = try await snapshot()
        guard current.version > 0, let value = current.fields[spec.field] else {
            throw failure(.missing, "the secret has no field '\(spec.field)'")
        }
        guard let text = value as? String else {
            throw failure(.unusableContent, "field '\(spec.field)' is not a string")
        }
        return Secret(text)
    }

    func write(_ secret: Secret) async throws(SinkError) {
        for attempt in 1...(Self.maximumConflictRetries + 1) {
            let current = try await snapshot()
            var fields = current.fields
            if let existing = fields[spec.field], !(existing is String) {
                throw failure(.unusableContent, "field '\(spec.field)' is not a string; rekey will not replace it")
            }
            if fields[spec.field] as? String == secret.revealed { return }
            fields[spec.field] = secret.revealed
            let body: Data
            do {
                body = try JSONSerialization.data(withJSONObject: [
                    "options": ["cas": current.version], "data": fields,
                ])
            } catch {
                throw failure(.unusableContent, "the secret's fields cannot be written back as JSON")
            }
            await beforeWrite(attempt)
            let response = try await send("POST", spec.dataURL, body: body)
            switch response.status {
            case 200, 204:
                return
            case 400 where Self.isCASConflict(response.body):
                continue  // someone wrote between our read and our write: read again
            default:
                throw unexpected(response.status, "writing the secret")
            }
        }
        throw failure(
            .conflict,
            "another writer changed the secret between each read and write, \(Self.maximumConflictRetries + 1) times")
    }

    static func isCASConflict(_ body: Data) -> Bool {
        let errors = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["errors"] as? [String]
        return errors?.contains { $0.contains("check-and-set") } ?? false
    }

    /// Reachable, the token may read the secret (a readable version or none yet), the field
    /// is a string if present, and the token may write it (`sys/capabilities-self`).
    func preflight() async throws(SinkError) {
        let current = try await snapshot()
        if let existing = current.fields[spec.field], !(existing is String) {
            throw failure(.unusableContent, "field '\(spec.field)' is not a string; rekey will not replace it")
        }
        let trimmed =
            spec.address.absoluteString.hasSuffix("/")
            ? String(spec.address.absoluteString.dropLast()) : spec.address.absoluteString
        let url = URL(string: trimmed + "/v1/sys/capabilities-self")!
        let path = "\(spec.mount)/data/\(spec.path)"
        let body = try? JSONSerialization.data(withJSONObject: ["paths": [path]])
        let response = try await send("POST", url, body: body)
        guard response.status == 200 else { throw unexpected(response.status, "checking the token's capabilities") }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let capabilities = (object?[path] ?? object?["capabilities"]) as? [String] ?? []
        let needed = current.version > 0 ? "update" : "create"
        guard capabilities.contains("root") || capabilities.contains(needed) else {
            throw failure(
                .unauthorised,
                "the token may not \(needed) \(path) (its capabilities: \(capabilities.isEmpty ? "none" : capabilities.joined(separator: ", ")))"
            )
        }
    }
}
