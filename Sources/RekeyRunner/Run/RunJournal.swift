// The run's own audit rows: `run-started` with who and where (user, host, pid, version),
// and `run-finished` with the counts and the exit code. A crashed run visibly lacks the
// second.

import Foundation
import RekeyAudit
import RekeyModel

struct RunJournal: Sendable {
    let audit: any AuditLog
    let clock: any RekeyClock
    let run: RunIdentity

    private func row(_ step: AuditStep, message: String? = nil, exitCode: Int? = nil) -> AuditEvent {
        var event = AuditEvent(time: clock.now(), runID: run.runID, step: step, message: message)
        event.trigger = run.trigger
        event.exitCode = exitCode
        event.pid = Int(ProcessInfo.processInfo.processIdentifier)
        event.host = run.host ?? ProcessInfo.processInfo.hostName
        event.user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        event.version = RekeyVersion.current
        return event
    }

    func started() async {
        _ = try? await audit.append(row(.runStarted))
    }

    func finished(_ summary: RunSummary) async {
        let counts =
            "rotated \(summary.count(.rotated)), failed \(summary.count(.failed)), needs-recovery \(summary.count(.needsRecovery))"
        _ = try? await audit.append(
            row(.runFinished, message: counts, exitCode: Int(summary.exitStatus.rawValue)))
    }
}
