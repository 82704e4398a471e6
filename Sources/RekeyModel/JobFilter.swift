// `--job`, `--tenant`, `--env`: which jobs a command looks at.

public struct JobFilter: Sendable, Hashable {
    public var names: [String]
    public var tenant: String?
    public var env: String?

    public init(names: [String] = [], tenant: String? = nil, env: String? = nil) {
        self.names = names
        self.tenant = tenant
        self.env = env
    }

    public func matches(_ job: Job) -> Bool {
        (names.isEmpty || names.contains(job.name)) && (tenant.map { $0 == job.tenant } ?? true)
            && (env.map { $0 == job.env } ?? true)
    }

    /// Names given with `--job` that match no job: a typo must not pass silently.
    public func unknownNames(in jobs: [Job]) -> [String] {
        let known = Set(jobs.map(\.name))
        return names.filter { !known.contains($0) }
    }
}
