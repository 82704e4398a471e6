// What running one hook came to: success, its exit code, and a one-line summary that
// never holds a secret.

public struct HookResult: Sendable, Hashable {
    public var succeeded: Bool
    public var exitCode: Int?
    /// `exited 0`, `exited 3: <last stderr line>`, `timed out after 30s`; never a secret.
    public var summary: String

    public init(succeeded: Bool, exitCode: Int?, summary: String) {
        self.succeeded = succeeded
        self.exitCode = exitCode
        self.summary = summary
    }
}
