// What the runner delivers a new secret through: one protocol for both sink kinds, and the
// factory that turns a job's `SinkSpec` into one.

import RekeyModel

public protocol SecretSink: Sendable {
    var spec: SinkSpec { get }
    /// Writes atomically and durably (see `DurableFileWriter`).
    func write(_ secret: Secret) throws(SinkError)
    /// Reads back what is there now (for `{sink: ID}` credentials and verification).
    func read() throws(SinkError) -> Secret
}

extension SinkSpec {
    /// The sink for this spec. Throws for an env-file sink without a valid key, and for a
    /// remote sink (written by `RemoteSinkWriter`, not here).
    public func makeSink(writer: DurableFileWriter = DurableFileWriter()) throws(SinkError) -> any SecretSink {
        switch kind {
        case .file: FileSink(spec: self, writer: writer)
        case .envFile: try EnvFileSink(spec: self, writer: writer)
        case .vaultKV, .awsSecretsManager:
            throw .remote(
                RemoteSinkFailure(
                    store: path, kind: .configuration,
                    detail:
                        "a \(kind.rawValue) sink is written over the network, and this writer handles local files only")
            )
        }
    }
}
