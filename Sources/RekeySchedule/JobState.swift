// The one function that derives a job's state from its history and its schedule
// decision. `plan`, `run`, `audit report` and the metrics all call it, so they agree.

/// The state a report shows for a job, derived from its schedule decision and history.
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable {
    case ok
    case due
    case overdue
    case failing
    case hookFailed = "hook-failed"
    case needsRecovery = "needs-recovery"
    /// The vendor may have rotated and no probe has answered yet; each run probes again.
    case unsettled
    /// Two-key: the previous credential is still to be revoked (the overlap has not ended).
    case revokePending = "revoke-pending"
    /// Two-key: revoking the previous credential failed; later runs retry it.
    case revokeFailed = "revoke-failed"

    /// Precedence: needs-recovery > unsettled > hook-failed > revoke-failed > failing >
    /// revoke-pending > overdue > due > ok (a pending revoke is why a job is not rotated). A job that
    /// is in the log but in no job file has no schedule (`decision` nil): it is never due.
    public static func derive(history: JobHistory, decision: ScheduleDecision?) -> JobState {
        if history.needsRecovery { return .needsRecovery }
        if history.unsettledRuns > 0 { return .unsettled }
        if history.hookFailed { return .hookFailed }
        if history.pendingRevokeID != nil, history.revokeFailures > 0 { return .revokeFailed }
        if history.consecutiveFailures > 0 || history.configurationProblem { return .failing }
        if history.pendingRevokeID != nil { return .revokePending }
        if decision?.isOverdue == true { return .overdue }
        if decision?.dueBySchedule == true { return .due }
        return .ok
    }
}
