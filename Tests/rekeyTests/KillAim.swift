import Foundation
import RekeyAudit
import RekeyModel

/// Where in a rotation a loop stops the run. A uniform delay almost never lands in the short
/// steps (`done` lasts a few milliseconds), so the loops aim: a clean run's audit
/// timeline gives each step's window as an offset from the process start, each iteration
/// targets the step interrupted least so far and draws its delay inside one of that step's
/// windows, a little early (and one iteration in five stays uniform over the whole run).
struct KillAim {
    /// The commits of one rotation, in audit order: every loop must stop runs after each.
    /// A successful attempt is committed with `issued`, and the sink-written, hook and
    /// verified rows with `done` (nothing waits for an fsync inside the blackout window), so
    /// a run stopped while it writes sinks, runs hooks or verifies has `issued` as its last
    /// committed step.
    static let steps: [AuditStep] = [.intent, .issued, .done]

    /// How far along a rotation a job whose last committed step is `step` is (-1: not started).
    static func rank(_ step: AuditStep?) -> Int {
        guard let step else { return -1 }
        if let index = steps.firstIndex(of: step) { return index }
        switch step {
        // A failed attempt's row: the vendor call is still going on.
        case .attempt: return steps.firstIndex(of: .intent)!
        // Committed with `done` (or a hooks-only re-run's rows after it).
        case .sinkWritten, .verified, .probe, .hook: return steps.firstIndex(of: .done)!
        default: return steps.count
        }
    }

    struct Window {
        var start: TimeInterval
        var end: TimeInterval
    }

    /// step → the windows (one per job and occurrence) in which it was a job's last step.
    let windows: [AuditStep: [Window]]
    /// From the process start to its exit.
    let total: TimeInterval

    /// The windows of a clean run that started at `started` and exited `total` seconds later.
    init(events: [AuditEvent], started: Date, total: TimeInterval) {
        var windows: [AuditStep: [Window]] = [:]
        for job in Set(events.compactMap(\.job)) {
            let mine = events.filter { $0.job == job }
            for (index, event) in mine.enumerated() where Self.steps.contains(event.step) {
                let start = event.time.timeIntervalSince(started)
                let next = index + 1 < mine.count ? mine[index + 1].time.timeIntervalSince(started) : total
                // Times are whole milliseconds: a window may look empty.
                windows[event.step, default: []].append(Window(start: start, end: max(next, start + 0.001)))
            }
        }
        self.windows = windows
        self.total = total
    }

    /// The target step (nil: uniform) and the delay after the start for `iteration`: the step
    /// with the fewest interruptions in `kills` so far (ties in turn), at `earliness` times a
    /// moment drawn inside one of its windows.
    func plan(iteration: Int, random: SeededRandomSource, kills: [String: Int], earliness: [AuditStep: Double]) -> (
        target: AuditStep?, delay: TimeInterval
    ) {
        let unit = random.nextUnit()
        if iteration % 5 == 4 { return (nil, unit * total * 1.2) }
        let order = Self.steps.indices.map { Self.steps[($0 + iteration) % Self.steps.count] }
        let target = order.min { kills[$0.rawValue, default: 0] < kills[$1.rawValue, default: 0] }!
        guard let choices = windows[target], !choices.isEmpty else { return (target, unit * total) }
        let window = choices[Int(random.nextUnit() * Double(choices.count)) % choices.count]
        // Early rather than late (a loaded machine is slower than the clean run was): the loop
        // steps forward into the window, never back.
        return (target, earliness[target, default: 0.8] * (window.start + unit * (window.end - window.start)))
    }
}
