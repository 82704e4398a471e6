import Foundation
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyJobFiles

/// The job-file cache's encoding gives back the very job the parse gave: every kind, every
/// optional field set and unset, and no model field forgotten.
@Suite struct JobCodecTests {
    /// Job files that together set every field the model has (and leave the optional ones unset).
    static let files: [String: String] = [
        "questionpro.yaml": """
        defaults:
          tenant: acme
          policy: {every: 30d, window: "22:00-04:00", jitter: 2h, grace: 2d, retry: {attempts: 6, base: 2s, max: 1m, timeout: 20s, deadline: 3m}}
        jobs:
          - name: qp-prod
            env: prod
            provider: {kind: questionpro.api-key, datacenter: eu, organization_id: "1001", probe_path: "/a/api/v2/organizations/{organization_id}/surveys"}
            credentials: {api_key: {sink: key}}
            sinks:
              - {id: key, kind: file, path: secrets/qp.key, mode: "0600", newline: true, owner: root, group: root}
              - {id: app, kind: env-file, path: /srv/app/.env, key: QP_API_KEY, mode: "0600"}
            hooks: [{argv: [/bin/systemctl, reload, app], timeout: 45s}]
            on_failure: [{argv: [/usr/bin/logger, rotation failed]}]
          - name: qp-staging
            env: staging
            host: web-1
            provider: {kind: questionpro.api-key, base_url: "https://api.surveyanalytics.com", organization_id: "7"}
            credentials: {api_key: {file: /srv/qp/key}}
            policy: {every: 7d, renew_before: 1d, verify: false}
            sinks: [{id: key, kind: file, path: /srv/qp/key}]
        """,
        "qrvey.yaml": """
        jobs:
          - name: admin
            tenant: beta
            env: prod
            provider: {kind: qrvey.admin-token, base_url: "https://qrvey.example", username: ops@example.com, path: /admin/api/v5/login, fields: {token: jwt}}
            credentials: {access_key: {env: QRVEY_ACCESS_KEY}}
            policy: {every: 12h}
            sinks: [{id: token, kind: file, path: /srv/qrvey/admin.token}]
            hosts: [web-1, web-2]
          - name: composer
            tenant: beta
            env: prod
            provider: {kind: qrvey.composer-token, base_url: "https://qrvey.example", user_id: u1, app_id: a1, client_id: c1, expires_in: 1w}
            credentials: {api_key: {file: /etc/qrvey/api-key}}
            policy: {every: 5d}
            sinks:
              - {id: vault, kind: vault-kv, address: "https://vault.example:8200", mount: secret, path: team/app, field: token, token: {env: VAULT_TOKEN}, ca_file: /etc/vault/ca.pem}
              - {id: aws, kind: aws-secretsmanager, secret_id: prod/app, region: eu-west-1, key: token, endpoint_url: "http://127.0.0.1:5000"}
              - {id: aws-whole, kind: aws-secretsmanager, secret_id: prod/other, region: us-east-1}
        """,
        "http.yaml": """
        name: vendor
        tenant: gamma
        env: prod
        provider:
          kind: http
          rotation: two-key
          issue:
            method: POST
            url: https://api.vendor.example/v2/keys
            headers: {Authorization: "Bearer {{credentials.api_key}}", X-Team: "{{provider.team}}"}
            body: {name: "rekey {{job.name}}", ttl_days: 30, tags: [a, "{{job.env}}"], active: true, parent: null, nested: {deep: [1, {x: y}]}}
            secret: /data/key~1value
            id: /data/id
            expiry: /data/expires_at
          probe:
            url: https://api.vendor.example/v2/me
            headers: {Authorization: "Bearer {{secret}}"}
            works: [200, 204]
            dead: [401]
          revoke:
            url: https://api.vendor.example/v2/keys/{{previous.id}}
            headers: {Authorization: "Bearer {{secret}}"}
            after: 1h
          vars: {team: blue}
        previous_id: key_7
        credentials: {api_key: {sink: app}}
        policy: {every: 30d}
        sinks: [{id: app, kind: env-file, path: /srv/app.env, key: API_KEY}]
        """,
    ]

    static func loaded() throws -> ([Job], TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        for (name, text) in files { try dir.write(name, text) }
        let result = JobLoader.load(paths: [dir.path])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return (result.jobs, dir)
    }

    static func roundTrip(_ jobs: [Job]) throws -> [Job] {
        var writer = CacheBytes.Writer()
        writer.array(jobs) { JobCodec.encode($1, into: &$0) }
        var reader = CacheBytes.Reader(writer.bytes)
        let decoded = try reader.array { reader throws(CacheBytes.Malformed) in try JobCodec.decode(&reader) }
        #expect(reader.isAtEnd)
        return decoded
    }

    @Test func everyKindOfJobDecodesToTheJobTheParseGave() throws {
        let (jobs, dir) = try Self.loaded()
        defer { dir.remove() }
        #expect(jobs.count == 5)
        // `declaredAt` is the file's modification time, read at every load, never cached.
        let parsed = jobs.map { job in
            var job = job
            job.declaredAt = nil
            return job
        }
        #expect(try Self.roundTrip(parsed) == parsed)
    }

    /// Each struct the codec writes, with the number of stored properties it writes (or, for
    /// `Job.declaredAt` and `HTTPProviderSpec.credentialNames`, knowingly leaves out). A field
    /// added to the model changes the count here: write it in `JobCodec`, then update this.
    @Test func theCodecKnowsEveryStoredFieldOfTheModel() throws {
        let (jobs, dir) = try Self.loaded()
        defer { dir.remove() }
        let job = try #require(jobs.first { $0.name == "qp-prod" })
        let composer = try #require(jobs.first { $0.name == "composer" })
        guard case .http(let http)? = jobs.first(where: { $0.name == "vendor" })?.provider,
            case .questionPro(let questionPro) = job.provider,
            case .qrveyComposer(let composerSpec) = composer.provider,
            case .qrveyAdmin(let admin)? = jobs.first(where: { $0.name == "admin" })?.provider,
            case .vaultKV(let vault)? = composer.sinks[0].remote,
            case .secretsManager(let aws)? = composer.sinks[1].remote,
            let probe = http.probe
        else {
            Issue.record("the fixture lacks a kind")
            return
        }
        let expected: [(Any, Int)] = [
            (job, 14), (job.location, 3), (questionPro, 3), (admin, 4), (composerSpec, 7), (http, 10),
            (http.issue, 4), (http.issue.headers[0], 2), (probe, 3),
            (HTTPProviderSpec.Revoke(request: http.issue), 2), (job.policy, 7), (job.policy.retry, 5),
            (job.sinks[0], 10), (vault, 6), (aws, 4), (job.hooks[0], 2), (http.issue.url, 2), (http.secret, 1),
            (job.policy.window!, 2), (job.policy.jitter, 1), (JSONTemplate.Member(key: "k", value: .null), 2),
        ]
        for (value, count) in expected {
            #expect(
                Mirror(reflecting: value).children.count == count,
                "\(type(of: value)) has \(Mirror(reflecting: value).children.count) stored properties; JobCodec writes \(count)"
            )
        }
    }

    /// Cut anywhere or with a byte changed, an entry decodes to an error or to some job —
    /// never a crash or a hang (the cache file's checksum refuses it before this in practice).
    @Test func aDamagedEntryNeverCrashesTheDecoder() throws {
        let (jobs, dir) = try Self.loaded()
        defer { dir.remove() }
        var writer = CacheBytes.Writer()
        writer.array(jobs) { JobCodec.encode($1, into: &$0) }
        let bytes = writer.bytes
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(JobFileCache.jobs(decoding: bytes[..<cut]) == nil)
        }
        let random = SeededRandomSource(seed: 13)
        for _ in 0..<2_000 {
            var damaged = bytes
            let index = Int(random.nextUInt64() % UInt64(damaged.count))
            damaged[index] ^= UInt8(truncatingIfNeeded: random.nextUInt64() | 1)
            _ = JobFileCache.jobs(decoding: damaged[...])
        }
    }
}
