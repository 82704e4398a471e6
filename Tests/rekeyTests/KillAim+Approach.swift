import Foundation
import RekeyAudit
import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

/// The last stretch of an aimed interruption, for every loop whatever its store: the run is
/// frozen, what it has committed is read, and while the target step is still ahead of some
/// job the run goes on for a random slice of a millisecond or so and is looked at again; the
/// interruption is delivered while it is frozen.
extension KillAim {
    /// Steps `process` forward into `target` (nil: delivers at the first look), reading each
    /// job's last committed step with `read`; then `deliver`s the interruption while the
    /// process is frozen (or, when `evenAfterExit`, also once it exited by itself: a pipe is
    /// closed either way) and lets it go on. Returns the steps of the last look.
    static func approach(
        _ process: Process, target: AuditStep?, jobs: [String], random: SeededRandomSource, evenAfterExit: Bool,
        read: () async throws -> [String: AuditStep], deliver: () -> Void
    ) async throws -> [String: AuditStep] {
        let pid = process.processIdentifier
        var slice = 0
        while true {
            let frozen = ProcessPause.stop(pid)
            // Frozen while it held the database locked (opening or closing it), the process
            // would keep the read waiting: after a moment it goes on, and the loop looks again.
            let watchdog = ProcessPause.Watchdog(pid: pid, after: .milliseconds(250), armed: frozen)
            let steps: [String: AuditStep]
            do {
                steps = try await read()
            } catch {
                if watchdog.disarm() { ProcessPause.resume(pid) }
                throw error
            }
            guard !frozen || watchdog.disarm() else {
                slice += 1
                continue
            }
            let ahead = target.map { target in jobs.contains { rank(steps[$0]) < rank(target) } } ?? false
            if frozen, let target, !steps.values.contains(target), ahead, slice < 400 {
                ProcessPause.resume(pid)
                usleep(UInt32(200 + random.nextUnit() * 1200))
                slice += 1
                continue
            }
            // A process that exited by itself (and may be reaped) is not signalled.
            if frozen || evenAfterExit { deliver() }
            if frozen { ProcessPause.resume(pid) }
            return steps
        }
    }
}
