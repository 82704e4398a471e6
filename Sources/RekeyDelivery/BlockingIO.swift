// Runs blocking file-system work — fsync, flock, a durable rename — on a Dispatch thread.
// Swift concurrency runs every task on as many threads as there are cores; a sink write
// that waits on a disk (or on another writer's directory lock) there would stall every
// other job of the run.
//
// Not one concurrent queue: on Linux, libdispatch gives a concurrent queue about as many
// threads as there are cores, so 32 rotations' fsyncs waited for two threads (the
// blackout's p90 at concurrency 32 was mostly this queue). Serial queues run on
// libdispatch's overcommit pool, which starts a thread for each one that has work, so
// up to `lanes` writes wait on the disk at once and the file system commits them together.

import Dispatch
import Synchronization

public enum BlockingIO {
    /// More than any run's concurrency needs (a power of two); an idle lane costs nothing.
    static let lanes = 64
    private static let queues = (0..<lanes).map { DispatchQueue(label: "rekey.blocking-io.\($0)") }
    private static let next = Atomic<Int>(0)

    /// `body`'s result, computed off the cooperative thread pool.
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let lane = next.wrappingAdd(1, ordering: .relaxed).oldValue & (lanes - 1)
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queues[lane].async { continuation.resume(returning: Result { () throws(E) -> T in try body() }) }
        }
        return try result.get()
    }
}
