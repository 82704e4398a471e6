// `rekey audit report|verify`: what the log says, and whether the log is intact.

import ArgumentParser
import Foundation
import RekeyAudit
import RekeyEffects
import RekeyModel
import RekeyReporting
import RekeyRunner
import RekeySchedule

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Report on rotations from the audit log, or verify the log's hash chain.",
        subcommands: [AuditReportCommand.self, AuditVerifyCommand.self, AuditMigrateCommand.self],
        defaultSubcommand: AuditReportCommand.self)
}

extension JobState: ExpressibleByArgument {}

extension AuditReportFormat: ExpressibleByArgument {}

struct AuditReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per job: last success, age, next due, state, failures and last error (or --events).",
        discussion: """
            States: ok, due, overdue (due longer than grace), failing, hook-failed, unsettled, needs-recovery,
            and for two-key jobs revoke-pending and revoke-failed.
            For monitoring: `rekey audit report --fail-on needs-recovery --fail-on overdue` exits 1 when any job is in those states.
            The database is opened read-only, so a report works while a run writes.
            """)

    @OptionGroup var shared: SharedOptions

    @Option(help: "From this time: ISO 8601, or a duration ago like 7d.")
    var since: String?

    @Option(help: "Until this time: ISO 8601, or a duration ago like 1d.")
    var until: String?

    @Option(help: "Only this tenant.")
    var tenant: String?

    @Option(help: "Only this env.")
    var env: String?

    @Option(name: .customLong("job"), help: "Only this job (repeatable).")
    var jobNames: [String] = []

    @Option(help: "Only jobs in this state (repeatable).")
    var state: [JobState] = []

    @Flag(help: "List events instead of one row per job.")
    var events = false

    @Option(help: "table, json, csv or markdown.")
    var format: AuditReportFormat = .table

    @Option(name: .customLong("fail-on"), help: "Exit 1 when any job is in this state (repeatable).")
    var failOn: [JobState] = []

    static func time(_ text: String?, now: Date) throws -> Date? {
        guard let text else { return nil }
        if let date = Timestamps.parse(text) { return date }
        if let ago = RekeyDuration.parse(text) { return now - ago.timeInterval }
        throw ValidationError("'\(text)' is neither an ISO 8601 time nor a duration like 7d")
    }

    func validate() throws {
        _ = try Self.time(since, now: Date())
        _ = try Self.time(until, now: Date())
    }

    func query(now: Date) throws -> AuditQuery {
        var query = AuditQuery()
        (query.filter.since, query.filter.until) = (try Self.time(since, now: now), try Self.time(until, now: now))
        (query.filter.tenant, query.filter.env, query.filter.jobs) = (tenant, env, jobNames)
        (query.filter.states, query.events, query.format, query.failOn) = (Set(state), events, format, Set(failOn))
        return query
    }

    func run() async throws {
        let now = Date()
        let workspace = try shared.workspace()
        let loaded = try? workspace.loadJobs()
        if let loaded, loaded.hasErrors {
            Console.error(
                "rekey: \(loaded.errorCount) error(s) in job files or rekey.yaml (see `rekey validate`): jobs of the broken files are shown from the log only"
            )
        }
        let jobs = loaded?.jobs ?? []
        let auditQuery = try query(now: now)
        let (text, failing) = try await AuditStore.withReader(workspace) { log in
            try await auditQuery.run(jobs: jobs, log: log, now: now)
        }
        Console.out(text, terminator: format.terminator)
        if failing { throw ExitCode(ExitStatus.jobFailed.rawValue) }
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Recompute the audit log's hash chain; exit 1 at the first changed, missing, inserted or reordered event, or a truncated log.",
        discussion: """
            It cannot detect someone who holds the audit key (<state-dir>/audit.key) rewriting the whole log.
            With --db postgres://..., the fleet's log is verified with the key derived from rekey.yaml's fleet.key, \
            against the database's signed chain head and the highest head this host has seen.
            """)

    @OptionGroup var shared: SharedOptions

    @Flag(
        name: .customLong("rebuild-state"),
        help: "After a verified chain, rebuild the per-job state table from it (when verify says it does not match).")
    var rebuildState = false

    func run() async throws {
        let workspace = try shared.workspace()
        if case .postgres(let url) = try AuditStore.location(workspace.paths) {
            let (result, checked) = try await AuditStore.verifyPostgres(
                url, workspace: workspace, rebuildState: rebuildState)
            try report(result, checked)
            return
        }
        let state = StateDirectory(path: workspace.paths.stateDirectory)
        guard FileManager.default.fileExists(atPath: workspace.paths.database) else {
            Console.error("rekey: no audit database at \(workspace.paths.database)")
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        let key = try AuditKey.load(path: state.auditKey)
        let (result, checked) = try await JobStateCheck.verify(
            databasePath: workspace.paths.database, key: key, headPath: state.auditHead
        ) { [rebuildState] in
            guard rebuildState else { return }
            try SQLiteAuditLog(
                path: workspace.paths.database, key: key, headPath: state.auditHead,
                projection: JobHistoryProjection()
            ).rebuildProjection()
        }
        try report(result, checked)
    }

    /// Prints the chain's verdict and the state table's; exit 1 when either fails.
    func report(_ result: VerifyResult, _ checked: JobStateCheck.Result?) throws {
        guard result.isOK, let table = checked else {
            Console.error(result.description)
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        Console.out(result.description)
        if case .differs = table {
            Console.error(table.description)
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        Console.out(table.description)
    }
}
