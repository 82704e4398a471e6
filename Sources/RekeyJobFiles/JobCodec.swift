// A validated `Job` as bytes and back, for the job-file cache: every stored field of the
// job and of each value it holds, in declaration order, so a cache hit gives the job the
// parse would have given. `declaredAt` is not stored: it is the job file's modification
// time, read at every load. `JobCodecTests` round-trips jobs of every kind and checks, by
// reflection, that each type here still has the fields this file writes: a field added to
// the model and not here fails that test instead of vanishing from cached jobs.

import Foundation
import RekeyModel

package enum JobCodec {
    package static func encode(_ job: Job, into writer: inout CacheBytes.Writer) {
        writer.string(job.name)
        writer.string(job.tenant)
        writer.string(job.env)
        encode(job.provider, into: &writer)
        writer.array(job.credentials.sorted { $0.key < $1.key }) { writer, entry in
            writer.string(entry.key)
            encode(entry.value, into: &writer)
        }
        encode(job.policy, into: &writer)
        writer.array(job.sinks) { encode($1, into: &$0) }
        writer.array(job.hooks) { encode($1, into: &$0) }
        writer.array(job.onFailure) { encode($1, into: &$0) }
        encode(job.location, into: &writer)
        writer.optional(job.previousID) { $0.string($1) }
        writer.optional(job.host) { $0.string($1) }
        writer.array(job.hosts) { $0.string($1) }
    }

    package static func decode(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> Job {
        let name = try reader.string()
        let tenant = try reader.string()
        let env = try reader.string()
        let provider = try decodeProvider(&reader)
        var credentials: [String: CredentialReference] = [:]
        for _ in 0..<(try reader.count()) {
            credentials[try reader.string()] = try decodeCredential(&reader)
        }
        let policy = try decodePolicy(&reader)
        let sinks = try reader.array { reader throws(CacheBytes.Malformed) in try decodeSink(&reader) }
        let hooks = try reader.array { reader throws(CacheBytes.Malformed) in try decodeHook(&reader) }
        let onFailure = try reader.array { reader throws(CacheBytes.Malformed) in try decodeHook(&reader) }
        let location = try decodeLocation(&reader)
        let previousID = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        let host = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        let hosts = try reader.array { reader throws(CacheBytes.Malformed) in try reader.string() }
        return Job(
            name: name, tenant: tenant, env: env, provider: provider, credentials: credentials, policy: policy,
            sinks: sinks, hooks: hooks, onFailure: onFailure, location: location, previousID: previousID, host: host,
            hosts: hosts)
    }

    // MARK: Provider

    static func encode(_ provider: ProviderSpec, into writer: inout CacheBytes.Writer) {
        switch provider {
        case .questionPro(let spec):
            writer.int(0)
            url(spec.baseURL, into: &writer)
            writer.string(spec.organizationID)
            writer.string(spec.probePath)
        case .qrveyAdmin(let spec):
            writer.int(1)
            url(spec.baseURL, into: &writer)
            writer.string(spec.username)
            writer.string(spec.path)
            dictionary(spec.fields, into: &writer)
        case .qrveyComposer(let spec):
            writer.int(2)
            url(spec.baseURL, into: &writer)
            writer.string(spec.userID)
            writer.string(spec.appID)
            writer.optional(spec.clientID) { $0.string($1) }
            writer.optional(spec.expiresIn) { $0.string($1) }
            writer.string(spec.path)
            dictionary(spec.fields, into: &writer)
        case .http(let spec):
            writer.int(3)
            encode(spec, into: &writer)
        }
    }

    static func decodeProvider(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> ProviderSpec {
        switch try reader.int() {
        case 0:
            return .questionPro(
                QuestionProSpec(
                    baseURL: try decodeURL(&reader), organizationID: try reader.string(), probePath: try reader.string()
                ))
        case 1:
            return .qrveyAdmin(
                QrveyAdminSpec(
                    baseURL: try decodeURL(&reader), username: try reader.string(), path: try reader.string(),
                    fields: try decodeDictionary(&reader)))
        case 2:
            return .qrveyComposer(
                QrveyComposerSpec(
                    baseURL: try decodeURL(&reader), userID: try reader.string(), appID: try reader.string(),
                    clientID: try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() },
                    expiresIn: try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() },
                    path: try reader.string(), fields: try decodeDictionary(&reader)))
        case 3:
            return .http(try decodeHTTP(&reader))
        default:
            throw CacheBytes.Malformed()
        }
    }

    static func encode(_ spec: HTTPProviderSpec, into writer: inout CacheBytes.Writer) {
        writer.string(spec.rotation.rawValue)
        encode(spec.issue, into: &writer)
        writer.strings(spec.secret.tokens)
        writer.optional(spec.id) { $0.strings($1.tokens) }
        writer.optional(spec.expiry) { $0.strings($1.tokens) }
        writer.optional(spec.probe) { writer, probe in
            encode(probe.request, into: &writer)
            writer.array(probe.works) { $0.int($1) }
            writer.array(probe.dead) { $0.int($1) }
        }
        writer.optional(spec.revoke) { writer, revoke in
            encode(revoke.request, into: &writer)
            writer.int(revoke.after.seconds)
        }
        writer.optional(spec.replaces) { $0.string($1) }
        dictionary(spec.vars, into: &writer)
        // `credentialNames` is derived from the requests by the initialiser.
    }

    static func decodeHTTP(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> HTTPProviderSpec {
        guard let rotation = HTTPProviderSpec.Rotation(rawValue: try reader.string()) else {
            throw CacheBytes.Malformed()
        }
        let issue = try decodeRequest(&reader)
        let secret = JSONPointer(tokens: try reader.strings())
        let id = try reader.optional { reader throws(CacheBytes.Malformed) in JSONPointer(tokens: try reader.strings())
        }
        let expiry = try reader.optional { reader throws(CacheBytes.Malformed) in
            JSONPointer(tokens: try reader.strings())
        }
        let probe = try reader.optional { reader throws(CacheBytes.Malformed) in
            HTTPProviderSpec.Probe(
                request: try decodeRequest(&reader),
                works: try reader.array { reader throws(CacheBytes.Malformed) in try reader.smallInt() },
                dead: try reader.array { reader throws(CacheBytes.Malformed) in try reader.smallInt() })
        }
        let revoke = try reader.optional { reader throws(CacheBytes.Malformed) in
            HTTPProviderSpec.Revoke(
                request: try decodeRequest(&reader), after: RekeyDuration(seconds: try reader.int()))
        }
        let replaces = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        return HTTPProviderSpec(
            rotation: rotation, issue: issue, secret: secret, id: id, expiry: expiry, probe: probe, revoke: revoke,
            replaces: replaces, vars: try decodeDictionary(&reader))
    }

    static func encode(_ request: HTTPProviderSpec.Request, into writer: inout CacheBytes.Writer) {
        writer.string(request.method)
        writer.string(request.url.text)
        writer.array(request.headers) { writer, header in
            writer.string(header.name)
            writer.string(header.value.text)
        }
        writer.optional(request.body) { encode($1, into: &$0) }
    }

    static func decodeRequest(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed)
        -> HTTPProviderSpec.Request
    {
        HTTPProviderSpec.Request(
            method: try reader.string(), url: try decodeTemplate(&reader),
            headers: try reader.array { reader throws(CacheBytes.Malformed) in
                HTTPProviderSpec.Header(name: try reader.string(), value: try decodeTemplate(&reader))
            },
            body: try reader.optional { reader throws(CacheBytes.Malformed) in try decodeJSONTemplate(&reader) })
    }

    /// A template is stored as written and parsed again: it parsed when the job was validated.
    static func decodeTemplate(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> HTTPTemplate {
        do { return try HTTPTemplate(parsing: try reader.string()) } catch { throw CacheBytes.Malformed() }
    }

    static func encode(_ template: JSONTemplate, into writer: inout CacheBytes.Writer) {
        switch template {
        case .string(let text):
            writer.int(0)
            writer.string(text.text)
        case .number(let number):
            writer.int(1)
            writer.string(number)
        case .bool(let value):
            writer.int(2)
            writer.bool(value)
        case .null:
            writer.int(3)
        case .array(let items):
            writer.int(4)
            writer.array(items) { encode($1, into: &$0) }
        case .object(let members):
            writer.int(5)
            writer.array(members) { writer, member in
                writer.string(member.key)
                encode(member.value, into: &writer)
            }
        }
    }

    static func decodeJSONTemplate(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> JSONTemplate {
        switch try reader.int() {
        case 0: return .string(try decodeTemplate(&reader))
        case 1: return .number(try reader.string())
        case 2: return .bool(try reader.bool())
        case 3: return .null
        case 4:
            return .array(try reader.array { reader throws(CacheBytes.Malformed) in try decodeJSONTemplate(&reader) })
        case 5:
            return .object(
                try reader.array { reader throws(CacheBytes.Malformed) in
                    JSONTemplate.Member(key: try reader.string(), value: try decodeJSONTemplate(&reader))
                })
        default: throw CacheBytes.Malformed()
        }
    }

    // MARK: Credentials, policy, sinks, hooks

    static func encode(_ reference: CredentialReference, into writer: inout CacheBytes.Writer) {
        switch reference {
        case .env(let name):
            writer.int(0)
            writer.string(name)
        case .file(let path):
            writer.int(1)
            writer.string(path)
        case .sink(let id):
            writer.int(2)
            writer.string(id)
        }
    }

    static func decodeCredential(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed)
        -> CredentialReference
    {
        switch try reader.int() {
        case 0: return .env(try reader.string())
        case 1: return .file(try reader.string())
        case 2: return .sink(try reader.string())
        default: throw CacheBytes.Malformed()
        }
    }

    static func encode(_ policy: Policy, into writer: inout CacheBytes.Writer) {
        writer.optional(policy.every) { $0.int($1.seconds) }
        writer.optional(policy.renewBefore) { $0.int($1.seconds) }
        writer.optional(policy.window) { writer, window in
            writer.int(window.start)
            writer.int(window.end)
        }
        writer.int(policy.jitter.seconds)
        writer.int(policy.grace.seconds)
        writer.int(policy.retry.attempts)
        for duration in [policy.retry.base, policy.retry.max, policy.retry.timeout, policy.retry.deadline] {
            encode(duration, into: &writer)
        }
        writer.bool(policy.verify)
    }

    static func decodePolicy(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> Policy {
        let every = try reader.optional { reader throws(CacheBytes.Malformed) in
            RekeyDuration(seconds: try reader.int())
        }
        let renewBefore = try reader.optional { reader throws(CacheBytes.Malformed) in
            RekeyDuration(seconds: try reader.int())
        }
        let window = try reader.optional { reader throws(CacheBytes.Malformed) in
            TimeWindow(start: try reader.smallInt(), end: try reader.smallInt())
        }
        let jitter = RekeyDuration(seconds: try reader.int())
        let grace = RekeyDuration(seconds: try reader.int())
        let retry = RetrySettings(
            attempts: try reader.smallInt(), base: try decodeDuration(&reader), max: try decodeDuration(&reader),
            timeout: try decodeDuration(&reader), deadline: try decodeDuration(&reader))
        return Policy(
            every: every, renewBefore: renewBefore, window: window, jitter: jitter, grace: grace, retry: retry,
            verify: try reader.bool())
    }

    static func encode(_ sink: SinkSpec, into writer: inout CacheBytes.Writer) {
        writer.string(sink.id)
        writer.string(sink.kind.rawValue)
        writer.string(sink.path)
        writer.optional(sink.key) { $0.string($1) }
        writer.optional(sink.mode) { $0.int(Int($1)) }
        writer.optional(sink.owner) { $0.string($1) }
        writer.optional(sink.group) { $0.string($1) }
        writer.bool(sink.trailingNewline)
        encode(sink.location, into: &writer)
        writer.optional(sink.remote) { writer, remote in
            switch remote {
            case .vaultKV(let spec):
                writer.int(0)
                url(spec.address, into: &writer)
                writer.string(spec.mount)
                writer.string(spec.path)
                writer.string(spec.field)
                encode(spec.token, into: &writer)
                writer.optional(spec.caFile) { $0.string($1) }
            case .secretsManager(let spec):
                writer.int(1)
                writer.string(spec.secretID)
                writer.string(spec.region)
                writer.optional(spec.key) { $0.string($1) }
                writer.optional(spec.endpointURL) { url($1, into: &$0) }
            }
        }
    }

    static func decodeSink(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> SinkSpec {
        let id = try reader.string()
        guard let kind = SinkSpec.Kind(rawValue: try reader.string()) else { throw CacheBytes.Malformed() }
        let path = try reader.string()
        let key = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        let mode = try reader.optional { reader throws(CacheBytes.Malformed) in
            guard let mode = UInt16(exactly: try reader.int()) else { throw CacheBytes.Malformed() }
            return mode
        }
        let owner = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        let group = try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }
        var sink = SinkSpec(
            id: id, kind: kind, path: path, key: key, mode: mode, owner: owner, group: group,
            trailingNewline: try reader.bool(), location: try decodeLocation(&reader))
        sink.remote = try reader.optional { reader throws(CacheBytes.Malformed) -> RemoteSinkSpec in
            switch try reader.int() {
            case 0:
                return .vaultKV(
                    VaultKVSinkSpec(
                        address: try decodeURL(&reader), mount: try reader.string(), path: try reader.string(),
                        field: try reader.string(), token: try decodeCredential(&reader),
                        caFile: try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() }))
            case 1:
                return .secretsManager(
                    SecretsManagerSinkSpec(
                        secretID: try reader.string(), region: try reader.string(),
                        key: try reader.optional { reader throws(CacheBytes.Malformed) in try reader.string() },
                        endpointURL: try reader.optional { reader throws(CacheBytes.Malformed) in
                            try decodeURL(&reader)
                        }))
            default:
                throw CacheBytes.Malformed()
            }
        }
        return sink
    }

    static func encode(_ hook: HookSpec, into writer: inout CacheBytes.Writer) {
        writer.strings(hook.argv)
        encode(hook.timeout, into: &writer)
    }

    static func decodeHook(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> HookSpec {
        HookSpec(argv: try reader.strings(), timeout: try decodeDuration(&reader))
    }

    // MARK: Leaves

    static func encode(_ location: SourceLocation, into writer: inout CacheBytes.Writer) {
        writer.string(location.file)
        writer.int(location.line)
        writer.int(location.column)
    }

    static func decodeLocation(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> SourceLocation {
        SourceLocation(file: try reader.string(), line: try reader.smallInt(), column: try reader.smallInt())
    }

    static func encode(_ duration: Duration, into writer: inout CacheBytes.Writer) {
        writer.int(duration.components.seconds)
        writer.int(duration.components.attoseconds)
    }

    static func decodeDuration(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> Duration {
        Duration(secondsComponent: try reader.int(), attosecondsComponent: try reader.int())
    }

    static func url(_ url: URL, into writer: inout CacheBytes.Writer) { writer.string(url.absoluteString) }

    static func decodeURL(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> URL {
        guard let url = URL(string: try reader.string()) else { throw CacheBytes.Malformed() }
        return url
    }

    static func dictionary(_ values: [String: String], into writer: inout CacheBytes.Writer) {
        writer.array(values.sorted { $0.key < $1.key }) { writer, entry in
            writer.string(entry.key)
            writer.string(entry.value)
        }
    }

    static func decodeDictionary(_ reader: inout CacheBytes.Reader) throws(CacheBytes.Malformed) -> [String: String] {
        var values: [String: String] = [:]
        for _ in 0..<(try reader.count()) { values[try reader.string()] = try reader.string() }
        return values
    }
}
