// What running one hook came to: success, its exit code, and a one-line summary that
// never holds a secret.

public struct HookResult: Sendable, Hashable {
    public var succeeded: Bool
    public var exitCode: Int?
    /// `exited 0`, `exited 3: <last output line>`, `timed out after 30s`; never a secret.
    public var summary: String
    /// The end of what the hook printed (stdout and stderr together): every known secret
    /// scrubbed from the whole output first, then cut to the last 4 KiB.
    public var output: String

    public init(succeeded: Bool, exitCode: Int?, summary: String, output: String = "") {
        self.succeeded = succeeded
        self.exitCode = exitCode
        self.summary = summary
        self.output = output
    }
}
