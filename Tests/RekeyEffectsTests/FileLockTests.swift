import Foundation
import RekeyEffects
import RekeyTestSupport
import Testing

@Suite struct FileLockTests {
    @Test func aHeldLockCannotBeTakenAgainUntilReleased() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("job.lock")
        let first = try #require(FileLock.tryAcquire(path: path))
        #expect(FileLock.tryAcquire(path: path) == nil)
        first.release()
        let again = FileLock.tryAcquire(path: path)
        #expect(again != nil)
        again?.release()
    }

    @Test func aLockHeldByAnotherProcessIsFreedWhenThatProcessDies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("run.lock")
        let ready = dir.file("ready")
        // A child takes the lock, says so, and waits for its stdin to close.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/bash")
        child.arguments = ["-c", "exec 9>'\(path)'; flock 9; touch '\(ready)' 9>&-; read -r _"]
        let stdin = Pipe()
        child.standardInput = stdin
        try child.run()
        var waited = 0
        while !FileManager.default.fileExists(atPath: ready) && waited < 10_000 {
            usleep(1000)
            waited += 1
        }
        #expect(FileLock.tryAcquire(path: path) == nil)
        // SIGKILL: the way a crashed run dies; the kernel drops its flock.
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let lock = FileLock.tryAcquire(path: path)
        #expect(lock != nil)
        lock?.release()
    }

    @Test func waitingForALockGivesUpAtTheTimeoutOnTheClock() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("run.lock")
        let held = try #require(FileLock.tryAcquire(path: path))
        defer { held.release() }
        let clock = ManualClock()
        let lock = try await FileLock.acquire(path: path, clock: clock, timeout: .seconds(5))
        #expect(lock == nil)
        #expect(clock.sleeps.count == 20)
    }
}
