// SIGTERM, SIGINT and SIGHUP, trapped (swift-service-lifecycle's `UnixSignals`) so the
// process does not die mid-rotation — a lost ssh session sends SIGHUP to a manual run.
// All three mean the same: start nothing new, let in-flight rotations finish, and exit
// 143, 130 or 129.

import RekeyModel
import Synchronization
import UnixSignals

public final class StopSignal: Sendable {
    private let state = Mutex<ExitStatus?>(nil)

    public init() {}

    /// The exit status a stop asks for, once SIGTERM (143), SIGINT (130) or SIGHUP (129) arrived.
    public var requested: ExitStatus? { state.withLock { $0 } }

    /// Records a stop; the first signal wins.
    public func request(_ status: ExitStatus) {
        state.withLock { current in
            if current == nil { current = status }
        }
    }

    /// Traps SIGTERM, SIGINT and SIGHUP for the life of the returned task, calling
    /// `onSignal` for each one after recording it.
    public func trap(onSignal: @escaping @Sendable (ExitStatus) -> Void = { _ in }) async -> Task<Void, Never> {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        return Task {
            for await signal in signals {
                let status: ExitStatus =
                    switch signal {
                    case .sigint: .interrupted
                    case .sighup: .hangUp
                    default: .terminated
                    }
                request(status)
                onSignal(status)
            }
        }
    }
}
