// `kind: http` jobs for tests, shaped for the sandbox's described vendor (`/v1/...`): a
// regenerate that replaces its `api_key`, a login that trades a client id and secret for a
// token, and a two-key rotation that adds a key and revokes the previous one by id. The
// same sinks as `TestRunEnvironment.questionProJob`.

import Foundation
import RekeyModel

public enum HTTPJobs {
    static func template(_ text: String) -> HTTPTemplate {
        do { return try HTTPTemplate(parsing: text) } catch { fatalError("\(error)") }
    }

    static func probe(_ base: String) -> HTTPProviderSpec.Probe {
        HTTPProviderSpec.Probe(
            request: .init(
                method: "GET", url: template(base + "/v1/me"),
                headers: [.init(name: "Authorization", value: template("Bearer {{secret}}"))]),
            works: [200], dead: [401, 403])
    }

    static func text(_ url: URL) -> String {
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// `POST /v1/keys/regenerate` with `Authorization: Bearer {{credentials.api_key}}`; the
    /// new key at `secret` (the sandbox's default answer has it at `/data/key`).
    public static func regenerate(baseURL: URL, secret: String = "/data/key") -> HTTPProviderSpec {
        let base = text(baseURL)
        return HTTPProviderSpec(
            rotation: .regenerate,
            issue: .init(
                method: "POST", url: template(base + "/v1/keys/regenerate"),
                headers: [.init(name: "Authorization", value: template("Bearer {{credentials.api_key}}"))],
                body: .object([.init(key: "note", value: .string(template("rekey {{job.name}}")))])),
            secret: JSONPointer(secret)!, expiry: JSONPointer("/data/expires_at"), probe: probe(base),
            replaces: "api_key")
    }

    /// `POST /v1/oauth/token` with the client id and secret in the body; a token back.
    public static func login(baseURL: URL) -> HTTPProviderSpec {
        let base = text(baseURL)
        return HTTPProviderSpec(
            rotation: .login,
            issue: .init(
                method: "POST", url: template(base + "/v1/oauth/token"),
                body: .object([
                    .init(key: "client_id", value: .string(template("{{credentials.client_id}}"))),
                    .init(key: "client_secret", value: .string(template("{{credentials.client_secret}}"))),
                ])),
            secret: JSONPointer("/data/key")!, expiry: JSONPointer("/data/expires_at"), probe: probe(base))
    }

    /// `POST /v1/keys` (adds a key beside the caller's) with the new key and its id in the
    /// answer; `DELETE /v1/keys/{{previous.id}}` with the new key, `after` the delivery.
    public static func twoKey(baseURL: URL, after: RekeyDuration = .init(seconds: 0)) -> HTTPProviderSpec {
        let base = text(baseURL)
        return HTTPProviderSpec(
            rotation: .twoKey,
            issue: .init(
                method: "POST", url: template(base + "/v1/keys"),
                headers: [.init(name: "Authorization", value: template("Bearer {{credentials.api_key}}"))],
                body: .object([.init(key: "note", value: .string(template("rekey {{job.name}}")))])),
            secret: JSONPointer("/data/key")!, id: JSONPointer("/data/id"), expiry: JSONPointer("/data/expires_at"),
            probe: probe(base),
            revoke: .init(
                request: .init(
                    method: "DELETE", url: template(base + "/v1/keys/{{previous.id}}"),
                    headers: [.init(name: "Authorization", value: template("Bearer {{secret}}"))]),
                after: after),
            replaces: "api_key")
    }

    /// A two-key job reading its `api_key` from its env-file sink `app` (and also writing the
    /// file sink `worker`); `previousID` is its `previous_id:`.
    public static func twoKeyJob(
        name: String = "acme-twokey", directory: String, baseURL: URL, after: RekeyDuration = .init(seconds: 0),
        previousID: String? = nil, hooks: [HookSpec] = []
    ) -> Job {
        var job = regenerateJob(name: name, directory: directory, baseURL: baseURL, hooks: hooks)
        job.provider = .http(twoKey(baseURL: baseURL, after: after))
        job.previousID = previousID
        return job
    }

    /// A regenerate job reading its `api_key` from its env-file sink `app` (and also writing
    /// the file sink `worker`), like `TestRunEnvironment.questionProJob`.
    public static func regenerateJob(
        name: String = "acme-prod", directory: String, baseURL: URL = URL(string: "https://api.vendor.example")!,
        hooks: [HookSpec] = [],
        retry: RetrySettings = RetrySettings(
            attempts: 3, base: .milliseconds(10), max: .milliseconds(50))
    ) -> Job {
        Job(
            name: name, tenant: "acme", env: "prod", provider: .http(regenerate(baseURL: baseURL)),
            credentials: ["api_key": .sink("app")], policy: Policy(every: .days(30), retry: retry),
            sinks: [
                SinkSpec(
                    id: "app", kind: .envFile, path: directory + "/app.env", key: "API_KEY", location: testLocation),
                SinkSpec(id: "worker", kind: .file, path: directory + "/worker.key", location: testLocation),
            ],
            hooks: hooks, location: testLocation)
    }

    /// A login job whose client id and secret come from the environment; the token goes to
    /// the file sink `token`.
    public static func loginJob(name: String = "acme-token", directory: String, baseURL: URL) -> Job {
        Job(
            name: name, tenant: "acme", env: "prod", provider: .http(login(baseURL: baseURL)),
            credentials: ["client_id": .env("VENDOR_CLIENT_ID"), "client_secret": .env("VENDOR_CLIENT_SECRET")],
            policy: Policy(every: .hours(12), retry: RetrySettings(attempts: 3, base: .milliseconds(10))),
            sinks: [SinkSpec(id: "token", kind: .file, path: directory + "/token", location: testLocation)],
            location: testLocation)
    }
}
