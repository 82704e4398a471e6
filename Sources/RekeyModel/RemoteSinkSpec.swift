// Sinks that are not local files: a field of a Vault/OpenBao KV v2 secret, or an AWS
// Secrets Manager secret (whole, or one key of its JSON SecretString). A `SinkSpec` of a
// remote kind carries one of these; its `path` is a display form of the location, used in
// messages, the audit's `sink-written` rows and duplicate detection.

import Foundation

/// One field of a KV v2 secret: `{address}/v1/{mount}/data/{path}`, field `field`.
public struct VaultKVSinkSpec: Sendable, Hashable {
    /// `https://…`, or `http://` to a loopback host only.
    public var address: URL
    public var mount: String
    public var path: String
    public var field: String
    /// The Vault token (`{env: VAULT_TOKEN}` or `{file: …}`), never inline.
    public var token: CredentialReference
    /// A PEM file of the CA that signed Vault's certificate (the system's trust store otherwise).
    public var caFile: String?

    public init(
        address: URL, mount: String, path: String, field: String, token: CredentialReference, caFile: String? = nil
    ) {
        self.address = address
        self.mount = mount
        self.path = path
        self.field = field
        self.token = token
        self.caFile = caFile
    }

    /// The KV v2 data endpoint of the secret.
    public var dataURL: URL {
        URL(string: Self.trimmed(address.absoluteString) + "/v1/\(mount)/data/\(path)")!
    }

    /// `https://vault:8200/v1/secret/data/app#api_key`
    public var display: String { dataURL.absoluteString + "#" + field }

    static func trimmed(_ text: String) -> String {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

/// An AWS Secrets Manager secret, or one key of its JSON SecretString.
public struct SecretsManagerSinkSpec: Sendable, Hashable {
    public var secretID: String
    public var region: String
    /// A key of a JSON object SecretString (its other keys are kept); nil: the whole string.
    public var key: String?
    /// Another endpoint than `https://secretsmanager.{region}.amazonaws.com` (tests, moto).
    public var endpointURL: URL?

    public init(secretID: String, region: String, key: String? = nil, endpointURL: URL? = nil) {
        self.secretID = secretID
        self.region = region
        self.key = key
        self.endpointURL = endpointURL
    }

    public var endpoint: URL { endpointURL ?? URL(string: "https://secretsmanager.\(region).amazonaws.com")! }

    /// `aws-secretsmanager:eu-west-1:prod/app#api_key`
    public var display: String { "aws-secretsmanager:\(region):\(secretID)" + (key.map { "#\($0)" } ?? "") }
}

public enum RemoteSinkSpec: Sendable, Hashable {
    case vaultKV(VaultKVSinkSpec)
    case secretsManager(SecretsManagerSinkSpec)

    public var kind: SinkSpec.Kind {
        switch self {
        case .vaultKV: .vaultKV
        case .secretsManager: .awsSecretsManager
        }
    }

    public var display: String {
        switch self {
        case .vaultKV(let spec): spec.display
        case .secretsManager(let spec): spec.display
        }
    }
}

extension SinkSpec {
    /// A remote sink: kind and display path follow from `remote`.
    public init(id: String, remote: RemoteSinkSpec, location: SourceLocation) {
        self.init(id: id, kind: remote.kind, path: remote.display, location: location)
        self.remote = remote
    }
}

extension SinkSpec.Kind {
    /// Written over the network, not to a local file.
    public var isRemote: Bool {
        switch self {
        case .file, .envFile: false
        case .vaultKV, .awsSecretsManager: true
        }
    }
}
