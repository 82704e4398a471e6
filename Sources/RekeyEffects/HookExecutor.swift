// The hook seam: check that a hook can start (preflight), and run it. `HookRunner` is the
// production type; crash tests wrap it.

import RekeyModel

/// Why a hook cannot be started; never holds a secret.
public struct HookProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

public protocol HookExecutor: Sendable {
    /// A problem preflight reports, or nil when the hook can be started.
    func problem(_ hook: HookSpec) -> HookProblem?
    /// Runs the hook; `extraEnvironment` adds non-secret variables (on_failure: state, error).
    /// `secrets` are scrubbed from its output before any of it is kept.
    func run(_ hook: HookSpec, job: Job, extraEnvironment: [String: String], scrubbing secrets: [Secret]) async
        -> HookResult
}
