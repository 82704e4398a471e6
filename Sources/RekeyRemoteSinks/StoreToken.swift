// A remote sink's own credential (a Vault token) from its reference: an environment
// variable or a file. Never from a sink, never inline (validation refuses both).

import RekeyDelivery
import RekeyModel

enum StoreToken {
    static func resolve(_ reference: CredentialReference, environment: [String: String], store: String)
        throws(RemoteSinkFailure) -> Secret
    {
        let secret: Secret
        switch reference {
        case .env(let name):
            guard let value = environment[name] else {
                throw RemoteSinkFailure(
                    store: store, kind: .configuration, detail: "the token variable \(name) is not set")
            }
            secret = Secret(value)
        case .file(let path):
            do {
                secret = try FileSink.read(path: path)
            } catch {
                throw RemoteSinkFailure(store: store, kind: .configuration, detail: "the token file: \(error)")
            }
        case .sink:
            throw RemoteSinkFailure(store: store, kind: .configuration, detail: "a token cannot come from a sink")
        }
        guard !secret.isEmpty else {
            throw RemoteSinkFailure(store: store, kind: .configuration, detail: "the token (\(reference)) is empty")
        }
        return secret
    }
}
