// The delivery seam: check that a job's sinks can be written (before any vendor call),
// and write a secret to one. `LocalSinkWriter` (file and env-file sinks) is the
// production type; crash tests wrap it.

import RekeyModel

public protocol SinkWriter: Sendable {
    /// Every problem of every sink; empty means all can be written.
    func problems(for sinks: [SinkSpec]) async -> [SinkProblem]
    /// Writes `secret` to `sink`, atomically and durably.
    func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError)
    /// Writes a spooled secret: remote sinks derive their idempotency token from its job,
    /// fingerprint and issue time. Defaults to `write(_:to:)`.
    func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError)
    /// What the sink holds now (`{sink: ID}` credentials, the read-back after a remote write).
    /// Defaults to reading the local file.
    func read(_ sink: SinkSpec) async throws(SinkError) -> Secret
}

extension SinkWriter {
    public func deliver(_ spooled: SpooledSecret, to sink: SinkSpec) async throws(SinkError) {
        try await write(spooled.secret, to: sink)
    }

    public func read(_ sink: SinkSpec) async throws(SinkError) -> Secret {
        try await BlockingIO.run { () throws(SinkError) in try sink.makeSink().read() }
    }
}

public struct LocalSinkWriter: SinkWriter {
    let preflight: SinkPreflight
    let writer: DurableFileWriter

    /// By default the writer re-checks the ownership rule right before each write.
    public init(
        preflight: SinkPreflight = SinkPreflight(),
        writer: DurableFileWriter = DurableFileWriter(ownership: PathOwnership())
    ) {
        self.preflight = preflight
        self.writer = writer
    }

    /// The production writer: sinks may not resolve into `stateDirectory`.
    public init(stateDirectory: String) {
        self.init(preflight: SinkPreflight(stateDirectory: stateDirectory))
    }

    /// Probes every sink (a temp file created and fsynced), off the task pool.
    public func problems(for sinks: [SinkSpec]) async -> [SinkProblem] {
        await BlockingIO.run { [preflight] in preflight.problems(for: sinks) }
    }

    /// Writes durably (fsync, rename, directory fsync; a directory lock for env files),
    /// off the task pool.
    public func write(_ secret: Secret, to sink: SinkSpec) async throws(SinkError) {
        try await BlockingIO.run { [writer] () throws(SinkError) in try sink.makeSink(writer: writer).write(secret) }
    }
}
