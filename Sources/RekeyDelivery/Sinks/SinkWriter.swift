// The delivery seam: check that a job's sinks can be written (before any vendor call),
// and write a secret to one. `LocalSinkWriter` (file and env-file sinks) is the
// production type; crash tests wrap it.

import RekeyModel

public protocol SinkWriter: Sendable {
    /// Every problem of every sink; empty means all can be written.
    func problems(for sinks: [SinkSpec]) -> [SinkProblem]
    /// Writes `secret` to `sink`, atomically and durably.
    func write(_ secret: Secret, to sink: SinkSpec) throws(SinkError)
}

public struct LocalSinkWriter: SinkWriter {
    let preflight: SinkPreflight
    let writer: DurableFileWriter

    public init(preflight: SinkPreflight = SinkPreflight(), writer: DurableFileWriter = DurableFileWriter()) {
        self.preflight = preflight
        self.writer = writer
    }

    public func problems(for sinks: [SinkSpec]) -> [SinkProblem] {
        preflight.problems(for: sinks)
    }

    public func write(_ secret: Secret, to sink: SinkSpec) throws(SinkError) {
        try sink.makeSink(writer: writer).write(secret)
    }
}
