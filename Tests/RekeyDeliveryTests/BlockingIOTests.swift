import Dispatch
import Synchronization
import Testing

@testable import RekeyDelivery

/// Blocking work (fsyncs, directory locks) must wait in parallel, not two at a time: on
/// Linux a concurrent Dispatch queue runs about one thread per core, and a run's 32
/// rotations then queued their fsyncs behind each other.
@Suite struct BlockingIOTests {
    @Test func sixteenBlockedBodiesAllWaitAtOnce() async {
        // Each body blocks until all 16 have started. With fewer threads than bodies, the
        // last ones start only as libdispatch notices the stall and adds a thread (about
        // one a second here: 14 s for 16), and the first ones give up after their wait. The
        // wait is a liveness bound, not a timing: with a thread per body they all start at
        // once.
        let count = 16
        let started = StartCount()
        let everyoneStarted = DispatchSemaphore(value: 0)
        let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for _ in 0..<count {
                group.addTask {
                    await BlockingIO.run { () -> Bool in
                        if started.increment() == count {
                            for _ in 0..<count { everyoneStarted.signal() }
                        }
                        return everyoneStarted.wait(timeout: .now() + .seconds(5)) == .success
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == count)
        #expect(results.allSatisfy { $0 }, "only \(results.filter { $0 }.count) of \(count) ran at once")
    }
}

private final class StartCount: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
