// Blocking work of the tests (processes, psql, synchronous HTTP), moved off Swift's cooperative pool. On 2 cores the
// pool has two threads: a test that blocks one for seconds (waiting for a process to exit,
// sleeping until an aimed moment, a synchronous HTTP call or psql) stalls every other suite's
// in-process servers meanwhile, and their clients time out. CI saw it as three in-process
// sandbox tests timing out 13 s into a run while the fleet and crash loops waited on threads.

import Foundation

public enum OffPool {
    /// Runs `body` on a thread of its own and resumes with its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Waits for `process` to exit without holding a cooperative thread.
    public static func waitUntilExit(_ process: Process) async {
        _ = try? await run { process.waitUntilExit() }
    }
}
