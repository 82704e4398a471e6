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
    /// The sink for this spec. Throws only for an env-file sink without a valid key.
    public func makeSink(writer: DurableFileWriter = DurableFileWriter()) throws(SinkError) -> any SecretSink {
        switch kind {
        case .file: FileSink(spec: self, writer: writer)
        case .envFile: try EnvFileSink(spec: self, writer: writer)
        }
    }
}
