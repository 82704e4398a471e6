// Runs blocking file-system work — fsync, flock, a durable rename — on a Dispatch thread.
// Swift concurrency runs every task on as many threads as there are cores; a sink write
// that waits on a disk (or on another writer's directory lock) there would stall every
// other job of the run.

import Dispatch

public enum BlockingIO {
    private static let queue = DispatchQueue(label: "rekey.blocking-io", qos: .utility, attributes: .concurrent)

    /// `body`'s result, computed off the cooperative thread pool.
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { () throws(E) -> T in try body() }) }
        }
        return try result.get()
    }
}
