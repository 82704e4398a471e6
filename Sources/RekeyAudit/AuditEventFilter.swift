// Which events a reader returns: a time range, jobs, tenant, env, steps, the newest N.

import Foundation

public struct AuditEventFilter: Sendable, Hashable {
    public var since: Date?
    public var until: Date?
    public var jobs: Set<String>?
    public var tenant: String?
    public var env: String?
    /// Only these steps (nil: all).
    public var steps: Set<AuditStep>?
    public var limit: Int?

    public init(
        since: Date? = nil, until: Date? = nil, jobs: Set<String>? = nil, tenant: String? = nil, env: String? = nil,
        steps: Set<AuditStep>? = nil, limit: Int? = nil
    ) {
        self.steps = steps
        self.since = since
        self.until = until
        self.jobs = jobs
        self.tenant = tenant
        self.env = env
        self.limit = limit
    }

    public func matches(_ event: AuditEvent) -> Bool {
        if let since, event.time < since { return false }
        if let until, event.time > until { return false }
        if let jobs, !jobs.contains(event.job ?? "") { return false }
        if let tenant, event.tenant != tenant { return false }
        if let env, event.env != env { return false }
        if let steps, !steps.contains(event.step) { return false }
        return true
    }
}
