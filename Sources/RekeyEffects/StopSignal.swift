// SIGTERM and SIGINT, trapped (swift-service-lifecycle's `UnixSignals`) so the process
// does not die mid-rotation: the run starts no new job, lets in-flight rotations
// finish, and exits 143 or 130.

import RekeyModel
import Synchronization
import UnixSignals

public final class StopSignal: Sendable {
    private let state = Mutex<ExitStatus?>(nil)

    public init() {}

    /// The exit status a stop asks for, once SIGTERM (143) or SIGINT (130) arrived.
    public var requested: ExitStatus? { state.withLock { $0 } }

    /// Records a stop; the first signal wins.
    public func request(_ status: ExitStatus) {
        state.withLock { current in
            if current == nil { current = status }
        }
    }

    /// Traps SIGTERM and SIGINT for the life of the returned task, calling
    /// `onSignal` for each one after recording it.
    public func trap(onSignal: @escaping @Sendable (ExitStatus) -> Void = { _ in }) async -> Task<Void, Never> {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return Task {
            for await signal in signals {
                let status: ExitStatus = signal == .sigint ? .interrupted : .terminated
                request(status)
                onSignal(status)
            }
        }
    }
}
