// `rekey demo`: the whole product in a few seconds, with no set-up. Starts the sandbox,
// writes demo jobs and sinks into a fresh temporary directory, injects faults the run
// survives (a 503 on a regenerate, a 429 with Retry-After on a token), rotates (a two-key
// job included: new key delivered and verified, then the old one revoked), checks every
// sink holds the vendor's current key, runs again (nothing due), and reports.

import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyJobFiles
import RekeyModel
import RekeyReporting
import RekeyRunner

public struct DemoScenario: Sendable {
    public let directory: String
    let say: @Sendable (String) -> Void

    public init(directory: String, say: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.say = say
    }

    public enum DemoError: Error, CustomStringConvertible {
        case invalidJobs([Diagnostic])
        case mismatch(String)
        case runFailed(ExitStatus)

        public var description: String {
            switch self {
            case .invalidJobs(let diagnostics):
                "demo jobs invalid: \(diagnostics.map(\.description).joined(separator: "; "))"
            case .mismatch(let what): "demo check failed: \(what)"
            case .runFailed(let status): "demo run exited \(status.rawValue)"
            }
        }
    }

    /// Runs the tour; returns normally only when every check passed.
    public func run() async throws {
        let fm = FileManager.default
        let jobs = directory + "/jobs"
        let sinks = directory + "/sinks"
        let state = directory + "/state"
        let credentials = directory + "/credentials"
        for path in [jobs, sinks, credentials] {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        var options = SandboxOptions()
        options.latency = .milliseconds(20)
        options.questionProAccounts = 2
        options.faults = [
            FaultPlan(endpoint: .regenerate, faults: [.status(503)]),
            FaultPlan(endpoint: .composerToken, faults: [.status(429, errorID: nil, retryAfter: "1")]),
        ]
        let sandbox = VendorSandbox(options: options)
        let url = try await sandbox.start()
        defer { Task { await sandbox.stop() } }
        say("sandbox vendor on \(url.absoluteString); working directory \(directory)")

        // The apps' current credentials, as an operator would have them before rekey.
        let accounts = sandbox.questionProAccounts
        for (index, account) in accounts.enumerated() {
            let env = index == 0 ? "prod" : "staging"
            // Private from the start, as an operator's env file should be (rekey keeps its mode).
            _ = fm.createFile(
                atPath: "\(sinks)/acme-\(env).env",
                contents: Data(
                    "# survey-sync settings\nSURVEY_REGION=eu\nQUESTIONPRO_API_KEY='\(account.apiKey)'\n".utf8),
                attributes: [.posixPermissions: 0o600])
        }
        let admin = sandbox.adminUsers.first!
        try admin.value.write(toFile: "\(credentials)/qrvey-access-key", atomically: false, encoding: .utf8)
        try sandbox.composerAPIKeys[0].write(toFile: "\(credentials)/qrvey-api-key", atomically: false, encoding: .utf8)
        try DemoJobs.questionPro(url: url, accounts: accounts).write(
            toFile: "\(jobs)/questionpro.yaml", atomically: false, encoding: .utf8)
        try DemoJobs.qrvey(url: url, username: admin.key).write(
            toFile: "\(jobs)/qrvey.yaml", atomically: false, encoding: .utf8)
        let oldMapsKey = sandbox.httpKeys[0]
        _ = fm.createFile(
            atPath: "\(sinks)/maps.env", contents: Data("MAPS_API_KEY='\(oldMapsKey.key)'\n".utf8),
            attributes: [.posixPermissions: 0o600])
        try DemoJobs.twoKey(url: url, previousID: oldMapsKey.id).write(
            toFile: "\(jobs)/maps.yaml", atomically: false, encoding: .utf8)
        say("wrote 5 demo jobs to \(jobs); faults injected: regenerate=503, composer-token=429:retry-after=1")

        let loaded = JobLoader.load(paths: [jobs])
        guard !loaded.hasErrors else { throw DemoError.invalidJobs(loaded.diagnostics) }
        let paths = ResolvedPaths(jobs: jobs, config: nil, stateDirectory: state, database: state + "/audit.sqlite")

        // What an operator would type (the demo records its runs with trigger "demo").
        let command = "rekey run --jobs \(jobs) --state-dir \(state)"
        say("\n$ \(command)")
        let first = try await runOnce(paths: paths, jobs: loaded.jobs)
        guard first.exitStatus == .ok else { throw DemoError.runFailed(first.exitStatus) }

        for (index, account) in accounts.enumerated() {
            let env = index == 0 ? "prod" : "staging"
            let written = try EnvFileSink.readValue(path: "\(sinks)/acme-\(env).env", key: "QUESTIONPRO_API_KEY")
            guard written.revealed == sandbox.questionProKey(organizationID: account.organizationID) else {
                throw DemoError.mismatch("sink acme-\(env).env does not hold the vendor's current key")
            }
        }
        say("checked: every QuestionPro sink holds the vendor's current key; the old keys are dead")
        let maps = try EnvFileSink.readValue(path: "\(sinks)/maps.env", key: "MAPS_API_KEY").revealed
        guard sandbox.httpKeys.map(\.key) == [maps], maps != oldMapsKey.key else {
            throw DemoError.mismatch("the two-key sink maps.env does not hold the vendor's one live key")
        }
        say(
            "checked: maps.env holds the two-key vendor's new key, delivered and verified before rekey revoked \(oldMapsKey.id): the app held a working key at every moment"
        )

        say("\n$ \(command)   (again: nothing is due)")
        let second = try await runOnce(paths: paths, jobs: loaded.jobs)
        guard second.exitStatus == .ok, second.count(.rotated) == 0 else {
            throw DemoError.runFailed(second.exitStatus)
        }

        say("\n$ rekey audit report")
        let store = try SQLiteAuditReader(path: paths.database)
        let report = try await AuditReport.build(
            jobs: loaded.jobs, store: store, filter: AuditReportFilter(), now: Date())
        say(try report.render(.table))
        let key = try AuditKey.load(path: state + "/audit.key")
        say(
            "\n$ rekey audit verify\n"
                + (try AuditVerifier.verify(databasePath: paths.database, key: key, headPath: state + "/audit.head"))
                .description)
        say("\nTry it yourself: rekey plan --jobs \(jobs) --state-dir \(state)")
        await sandbox.stop()
    }

    private func runOnce(paths: ResolvedPaths, jobs: [Job]) async throws -> RunSummary {
        let environment = try RunEnvironment.production(
            paths: paths, settleDelay: .milliseconds(200), log: { say("rekey: \($0)") })
        let identity = RunIdentity.new(trigger: "demo", at: Date(), random: environment.random)
        let summary = await RotationRun(environment: environment, run: identity, options: RunOptions()).execute(
            jobs: jobs)
        await environment.close()
        say(summary.render())
        return summary
    }
}
