// The validated job model: what `JobLoader` produces from job files and everything
// downstream (plan, run, report) consumes. Every value here has passed validation.

import Foundation

/// Where a value came from, for diagnostics: `jobs/qp.yaml:12:5`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible, Codable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One job. Its values live in one shared box, copied only when a copy is changed (as
/// `Array` does): a job is some 600 bytes of fields, and a 10,000-job tick used to copy
/// each several times (the loader's per-file lists into one, the run's filters) — a
/// sixth of its heap at its peak, and a retain for every field at every copy.
public struct Job: Sendable, Hashable, CustomReflectable {
    /// The stored values, compared and hashed as a whole.
    private struct Fields: Sendable, Hashable {
        var name: String
        var tenant: String
        var env: String
        var provider: ProviderSpec
        var credentials: [String: CredentialReference]
        var policy: Policy
        var sinks: [SinkSpec]
        var hooks: [HookSpec]
        var onFailure: [HookSpec]
        var location: SourceLocation
        var declaredAt: Date?
        var previousID: String?
        var host: String?
        var hosts: [String]
    }

    /// Shared between copies; changed in place only while one job holds it.
    private final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// Written through: a copy of the box first when another job shares it. (Read through
    /// `box.fields.x`, never `fields.x`: that would copy every field to read one.)
    private var fields: Fields {
        get { box.fields }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    /// Unique and stable: the audit history is keyed to it.
    public var name: String {
        get { box.fields.name }
        set { fields.name = newValue }
    }
    public var tenant: String {
        get { box.fields.tenant }
        set { fields.tenant = newValue }
    }
    public var env: String {
        get { box.fields.env }
        set { fields.env = newValue }
    }
    public var provider: ProviderSpec {
        get { box.fields.provider }
        set { fields.provider = newValue }
    }
    /// Credential key (per provider kind, e.g. `api_key`) to its reference.
    public var credentials: [String: CredentialReference] {
        get { box.fields.credentials }
        set { fields.credentials = newValue }
    }
    public var policy: Policy {
        get { box.fields.policy }
        set { fields.policy = newValue }
    }
    public var sinks: [SinkSpec] {
        get { box.fields.sinks }
        set { fields.sinks = newValue }
    }
    public var hooks: [HookSpec] {
        get { box.fields.hooks }
        set { fields.hooks = newValue }
    }
    public var onFailure: [HookSpec] {
        get { box.fields.onFailure }
        set { fields.onFailure = newValue }
    }
    public var location: SourceLocation {
        get { box.fields.location }
        set { fields.location = newValue }
    }
    /// When the job was declared: its job file's modification time, read at load (nil for a
    /// job built in memory). A job that has never been rotated is due since the earlier of
    /// this and its first audit event (`Scheduler.neverRotatedDueSince`).
    public var declaredAt: Date? {
        get { box.fields.declaredAt }
        set { fields.declaredAt = newValue }
    }
    /// `previous_id:` (two-key rotations): the vendor's id of the credential the job holds
    /// before rekey first rotates it, so that first rotation can revoke it. Later rotations
    /// revoke the id rekey recorded when it issued the current credential.
    public var previousID: String? {
        get { box.fields.previousID }
        set { fields.previousID = newValue }
    }
    /// `host:` (fleet mode): the one host identity that claims this job; nil: any host may
    /// (allowed only when every sink is remote). One host ignores it.
    public var host: String? {
        get { box.fields.host }
        set { fields.host = newValue }
    }
    /// `hosts: [..]` (fleet mode): the host identities that each deliver this job's file
    /// sinks on their own machine. One of them claims and issues; each then writes its own
    /// files from the shared spool, and the job is `done` when every one has. Empty unless
    /// given; never set together with `host`. One host ignores it.
    public var hosts: [String] {
        get { box.fields.hosts }
        set { fields.hosts = newValue }
    }

    public init(
        name: String, tenant: String, env: String, provider: ProviderSpec,
        credentials: [String: CredentialReference], policy: Policy, sinks: [SinkSpec],
        hooks: [HookSpec] = [], onFailure: [HookSpec] = [], location: SourceLocation, declaredAt: Date? = nil,
        previousID: String? = nil, host: String? = nil, hosts: [String] = []
    ) {
        box = Box(
            Fields(
                name: name, tenant: tenant, env: env, provider: provider, credentials: credentials, policy: policy,
                sinks: sinks, hooks: hooks, onFailure: onFailure, location: location, declaredAt: declaredAt,
                previousID: previousID, host: host, hosts: hosts))
    }

    public static func == (lhs: Job, rhs: Job) -> Bool { lhs.box === rhs.box || lhs.box.fields == rhs.box.fields }

    public func hash(into hasher: inout Hasher) { box.fields.hash(into: &hasher) }

    /// The stored values, as a struct of them would show (what `JobCodecTests` counts).
    public var customMirror: Mirror { Mirror(reflecting: box.fields) }

    public var kind: ProviderKind { provider.kind }

    public func sink(id: String) -> SinkSpec? { sinks.first { $0.id == id } }
}

public enum ProviderKind: String, Sendable, Hashable, CaseIterable, Codable {
    case questionProAPIKey = "questionpro.api-key"
    case qrveyAdminToken = "qrvey.admin-token"
    case qrveyComposerToken = "qrvey.composer-token"
    /// A vendor described in the job file (`HTTPProviderSpec`).
    case http

    /// The credential keys a job of this kind must reference.
    public var credentialKeys: [String] {
        switch self {
        case .questionProAPIKey: ["api_key"]
        case .qrveyAdminToken: ["access_key"]
        case .qrveyComposerToken: ["api_key"]
        // Named by the job's own templates (`ProviderSpec.credentialKeys`).
        case .http: []
        }
    }
}

public enum ProviderSpec: Sendable, Hashable {
    case questionPro(QuestionProSpec)
    case qrveyAdmin(QrveyAdminSpec)
    case qrveyComposer(QrveyComposerSpec)
    case http(HTTPProviderSpec)

    public var kind: ProviderKind {
        switch self {
        case .questionPro: .questionProAPIKey
        case .qrveyAdmin: .qrveyAdminToken
        case .qrveyComposer: .qrveyComposerToken
        case .http: .http
        }
    }

    public var baseURL: URL {
        switch self {
        case .questionPro(let spec): spec.baseURL
        case .qrveyAdmin(let spec): spec.baseURL
        case .qrveyComposer(let spec): spec.baseURL
        case .http(let spec): spec.baseURL
        }
    }
}

public struct QuestionProSpec: Sendable, Hashable {
    public static let datacenters = ["com", "eu", "ca", "sg", "au", "ae"]
    public static let defaultProbePath = "/a/api/v2/organizations/{organization_id}/users?page=1&perPage=1"
    /// The regenerate endpoint: calling it rotates the key (so it is never a probe).
    public static let regeneratePath = "/a/api/v2/apikey/regenerate"

    /// `https://api.questionpro.{datacenter}`, or the job's `base_url`.
    public var baseURL: URL
    public var organizationID: String
    /// Path and query of the probe; `{organization_id}` is substituted.
    public var probePath: String

    public init(baseURL: URL, organizationID: String, probePath: String = QuestionProSpec.defaultProbePath) {
        self.baseURL = baseURL
        self.organizationID = organizationID
        self.probePath = probePath
    }

    public static func baseURL(datacenter: String) -> URL {
        URL(string: "https://api.questionpro.\(datacenter)")!
    }
}

public struct QrveyAdminSpec: Sendable, Hashable {
    public static let defaultPath = "/api/admin/v6/login"

    public var baseURL: URL
    public var username: String
    public var path: String
    /// JSON field names (assumed from Qrvey's docs, so configurable): `username`,
    /// `access_key` and `token` map to the names sent and read.
    public var fields: [String: String]

    public static let defaultFields = ["username": "username", "access_key": "accessKey", "token": "token"]

    public init(
        baseURL: URL, username: String, path: String = QrveyAdminSpec.defaultPath, fields: [String: String] = [:]
    ) {
        self.baseURL = baseURL
        self.username = username
        self.path = path
        self.fields = Self.defaultFields.merging(fields) { _, new in new }
    }
}

public struct QrveyComposerSpec: Sendable, Hashable {
    public static let defaultPath = "/devapi/v4/core/login/token"

    public var baseURL: URL
    public var userID: String
    public var appID: String
    public var clientID: String?
    /// Passed to Qrvey unchanged (`"1w"`, `"60m"`) and parsed to track expiry.
    public var expiresIn: String?
    public var path: String
    /// JSON field names: `user_id`, `app_id`, `client_id`, `expires_in`, `token`.
    public var fields: [String: String]

    public static let defaultFields = [
        "user_id": "userid", "app_id": "appid", "client_id": "clientid", "expires_in": "expiresIn", "token": "token",
    ]

    public init(
        baseURL: URL, userID: String, appID: String, clientID: String? = nil, expiresIn: String? = nil,
        path: String = QrveyComposerSpec.defaultPath, fields: [String: String] = [:]
    ) {
        self.baseURL = baseURL
        self.userID = userID
        self.appID = appID
        self.clientID = clientID
        self.expiresIn = expiresIn
        self.path = path
        self.fields = Self.defaultFields.merging(fields) { _, new in new }
    }
}

/// A reference to where a credential lives. Job files never hold secrets inline.
public enum CredentialReference: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable of the rekey process.
    case env(String)
    /// A file whose content (trailing newline trimmed) is the secret.
    case file(String)
    /// One of the job's own sinks: the key rekey itself wrote last time.
    case sink(String)

    public var description: String {
        switch self {
        case .env(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        case .sink(let id): "sink:\(id)"
        }
    }
}

public struct Policy: Sendable, Hashable {
    public var every: RekeyDuration?
    public var renewBefore: RekeyDuration?
    public var window: TimeWindow?
    /// The upper bound of the fixed per-job offset added to every due time.
    public var jitter: RekeyDuration
    /// How long a job may stay due before it is overdue.
    public var grace: RekeyDuration
    public var retry: RetrySettings
    /// Probe the new secret after delivery (only where the provider can probe).
    public var verify: Bool

    public init(
        every: RekeyDuration? = nil, renewBefore: RekeyDuration? = nil, window: TimeWindow? = nil,
        jitter: RekeyDuration = .init(seconds: 0), grace: RekeyDuration = .days(1),
        retry: RetrySettings = .init(), verify: Bool = true
    ) {
        self.every = every
        self.renewBefore = renewBefore
        self.window = window
        self.jitter = jitter
        self.grace = grace
        self.retry = retry
        self.verify = verify
    }
}

public struct RetrySettings: Sendable, Hashable {
    /// Attempts in all, the first one included.
    public var attempts: Int
    /// The first backoff's upper bound; it doubles per attempt up to `max`.
    public var base: Duration
    public var max: Duration
    /// Per-attempt timeout; the connect timeout is a fraction of it.
    public var timeout: Duration
    /// The overall deadline of one job's vendor call, retries and waits included.
    public var deadline: Duration

    public init(
        attempts: Int = 4, base: Duration = .seconds(1), max: Duration = .seconds(30),
        timeout: Duration = .seconds(30), deadline: Duration = .seconds(120)
    ) {
        self.attempts = attempts
        self.base = base
        self.max = max
        self.timeout = timeout
        self.deadline = deadline
    }
}

public struct SinkSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case file
        case envFile = "env-file"
        case vaultKV = "vault-kv"
        case awsSecretsManager = "aws-secretsmanager"
    }

    public var id: String
    public var kind: Kind
    /// Absolute (relative paths are resolved against the job file's directory).
    public var path: String
    /// The variable name, for env-file sinks.
    public var key: String?
    /// Permission bits for a new file; an existing file keeps its own.
    public var mode: UInt16?
    public var owner: String?
    public var group: String?
    /// file sinks: end the file with a newline after the secret.
    public var trailingNewline: Bool
    public var location: SourceLocation
    /// Where a remote sink (`vault-kv`, `aws-secretsmanager`) writes; nil for local files.
    public var remote: RemoteSinkSpec?

    public init(
        id: String, kind: Kind, path: String, key: String? = nil, mode: UInt16? = nil, owner: String? = nil,
        group: String? = nil, trailingNewline: Bool = false, location: SourceLocation
    ) {
        self.id = id
        self.kind = kind
        self.path = path
        self.key = key
        self.mode = mode
        self.owner = owner
        self.group = group
        self.trailingNewline = trailingNewline
        self.location = location
    }

    /// What makes two sinks the same target: the file, and for env-files the key.
    public var target: String { kind == .envFile ? "\(path)#\(key ?? "")" : path }
}

public struct HookSpec: Sendable, Hashable {
    public var argv: [String]
    public var timeout: Duration

    public init(argv: [String], timeout: Duration = .seconds(60)) {
        self.argv = argv
        self.timeout = timeout
    }
}
