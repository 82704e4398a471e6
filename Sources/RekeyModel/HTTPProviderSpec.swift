// `kind: http`: a vendor described in the job file instead of coded (README, "Any vendor:
// the http kind"). The issue request, where the new secret (and its id and expiry) sit in
// the answer, how a secret is probed, and for two-key rotations how the old one is
// revoked. Every template and pointer here has passed validation.

import Foundation

public struct HTTPProviderSpec: Sendable, Hashable {
    public enum Rotation: String, Sendable, Hashable, CaseIterable {
        /// Issuing kills the credential the request authenticated with (QuestionPro-like):
        /// not idempotent.
        case regenerate
        /// Issuing leaves older credentials valid (a token from a login): idempotent.
        case login
        /// Issue a second credential, deliver and verify it, then revoke the old one.
        case twoKey = "two-key"
    }

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: HTTPTemplate

        public init(name: String, value: HTTPTemplate) {
            self.name = name
            self.value = value
        }
    }

    /// One request: `url` is absolute (a relative one was joined to `base_url` at validation).
    public struct Request: Sendable, Hashable {
        public var method: String
        public var url: HTTPTemplate
        public var headers: [Header]
        public var body: JSONTemplate?

        public init(method: String, url: HTTPTemplate, headers: [Header] = [], body: JSONTemplate? = nil) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }

        public var variables: [TemplateVariable] {
            url.variables + headers.flatMap(\.value.variables) + (body?.variables ?? [])
        }
    }

    public struct Probe: Sendable, Hashable {
        public static let defaultWorks = [200]
        public static let defaultDead = [401, 403]

        public var request: Request
        /// Statuses that mean "this secret works"; `dead` ones mean it was rejected;
        /// anything else tells nothing.
        public var works: [Int]
        public var dead: [Int]

        public init(request: Request, works: [Int] = Probe.defaultWorks, dead: [Int] = Probe.defaultDead) {
            self.request = request
            self.works = works
            self.dead = dead
        }
    }

    public struct Revoke: Sendable, Hashable {
        public var request: Request
        /// The overlap: the old credential lives this long after the new one was delivered.
        public var after: RekeyDuration

        public init(request: Request, after: RekeyDuration = .init(seconds: 0)) {
            self.request = request
            self.after = after
        }
    }

    public var rotation: Rotation
    public var issue: Request
    /// Where the new secret is in the issue answer.
    public var secret: JSONPointer
    /// Where the new credential's id is (two-key: what a later revoke names).
    public var id: JSONPointer?
    /// Where its expiry is (RFC 3339 or epoch seconds).
    public var expiry: JSONPointer?
    public var probe: Probe?
    public var revoke: Revoke?
    /// The credential a regenerate or two-key rotation replaces (the new secret goes
    /// where it is read from); nil for a login.
    public var replaces: String?
    /// `{{provider.NAME}}` values: plain settings, never secrets.
    public var vars: [String: String]
    /// The credential names the requests use, sorted.
    public var credentialNames: [String]

    public init(
        rotation: Rotation, issue: Request, secret: JSONPointer, id: JSONPointer? = nil, expiry: JSONPointer? = nil,
        probe: Probe? = nil, revoke: Revoke? = nil, replaces: String? = nil, vars: [String: String] = [:]
    ) {
        self.rotation = rotation
        self.issue = issue
        self.secret = secret
        self.id = id
        self.expiry = expiry
        self.probe = probe
        self.revoke = revoke
        self.replaces = replaces
        self.vars = vars
        var names = Set<String>()
        for variable in issue.variables + (probe?.request.variables ?? []) + (revoke?.request.variables ?? []) {
            if case .credential(let name) = variable { names.insert(name) }
        }
        if let replaces { names.insert(replaces) }
        self.credentialNames = names.sorted()
    }

    /// The scheme, host and port of the issue URL (what `ProviderSpec.baseURL` reports).
    public var baseURL: URL {
        let literal = issue.url.parts.first.flatMap { if case .literal(let text) = $0 { text } else { nil } } ?? ""
        guard var components = URLComponents(string: literal) else { return URL(string: "https://invalid")! }
        components.path = ""
        components.query = nil
        components.fragment = nil
        return components.url ?? URL(string: "https://invalid")!
    }

    /// The vendor's name in messages: the issue URL's host.
    public var vendorName: String { baseURL.host ?? "http vendor" }
}

extension ProviderSpec {
    /// A two-key rotation's revoke (an `http` job with `rotation: two-key`); nil for every
    /// other rotation, which leaves nothing to revoke.
    public var twoKeyRevoke: HTTPProviderSpec.Revoke? {
        guard case .http(let spec) = self, spec.rotation == .twoKey else { return nil }
        return spec.revoke
    }
}
