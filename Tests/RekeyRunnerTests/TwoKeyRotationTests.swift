import Foundation
import RekeyAudit
import RekeyConfig
import RekeyDelivery
import RekeyModel
import RekeyRunner
import RekeySandbox
import RekeySchedule
import RekeyTestSupport
import Synchronization
import Testing

/// Two-key rotations of `kind: http` jobs against the sandbox's described vendor, over real
/// HTTP, with a manual clock: a second key is issued, verified, delivered and its hooks run
/// while the old key still works; only then is the old one revoked — in the same run when the
/// overlap is 0, by the first run after it otherwise — and only once the new key works and
/// every sink holds it. At every step the app's sinks hold a key the vendor accepts.
@Suite struct TwoKeyRotationTests {
    /// What a sampled step found: a sink holding a key the vendor does not accept.
    struct Downtime: Sendable, CustomStringConvertible {
        var step: String
        var sink: String
        var description: String { "\(step): sink '\(sink)' holds a key the vendor rejects" }
    }

    final class Setup: Sendable {
        let dir: TemporaryDirectory
        let sandbox: VendorSandbox
        let url: URL
        let paths: ResolvedPaths
        let clock = ManualClock()
        let samples = Mutex<[String]>([])
        let downtime = Mutex<[Downtime]>([])

        init(options: SandboxOptions = SandboxOptions()) async throws {
            dir = try TemporaryDirectory()
            sandbox = VendorSandbox(options: options)
            url = try await sandbox.start()
            paths = ResolvedPaths(
                jobs: dir.path, stateDirectory: dir.file("state"), database: dir.file("state/audit.sqlite"))
            let initial = sandbox.httpKeys[0].key
            try dir.write("app.env", "OTHER=1\nAPI_KEY='\(initial)'\n")
            try dir.write("worker.key", initial)
        }

        func job(after: RekeyDuration = .init(seconds: 0), previousID: String? = "key_1", hooks: [HookSpec] = [])
            -> Job
        {
            HTTPJobs.twoKeyJob(
                directory: dir.path, baseURL: url, after: after, previousID: previousID, hooks: hooks)
        }

        var appKey: String? { try? EnvFileSink.readValue(path: dir.file("app.env"), key: "API_KEY").revealed }
        var workerKey: String? { try? FileSink.read(path: dir.file("worker.key")).revealed }

        /// Whether each sink holds a key the vendor accepts right now; a miss is downtime.
        func sample(_ step: String) {
            let accepted = sandbox.httpAcceptedSecrets
            samples.withLock { $0.append(step) }
            for (sink, key) in [("app", appKey), ("worker", workerKey)] where !accepted.contains(key ?? "") {
                downtime.withLock { $0.append(Downtime(step: step, sink: sink)) }
            }
        }

        /// One run over `job` with every audit commit, sink write and hook sampled.
        func run(_ job: Job, force: Bool = false, faultingSinks: FaultingSinks? = nil) async throws -> RunSummary {
            var environment = try RunEnvironment.production(
                paths: paths, clock: clock, settleDelay: .milliseconds(10), log: { _ in })
            environment.audit = SamplingAuditLog(inner: environment.audit) { step in self.sample(step) }
            environment.sinks = SamplingSinks(inner: environment.sinks) { step in self.sample(step) }
            environment.hooks = SamplingHooks(inner: environment.hooks) { step in self.sample(step) }
            var options = RunOptions()
            options.force = force
            let summary = await RotationRun(environment: environment, run: TestRunEnvironment.run, options: options)
                .execute(jobs: [job])
            await environment.close()
            return summary
        }

        func history(_ job: Job) async throws -> JobHistory {
            try await SQLiteAuditReader.openIfPresent(path: paths.database).histories()[job.name] ?? JobHistory()
        }

        func steps(_ job: Job) async throws -> [AuditStep] {
            try await SQLiteAuditReader.openIfPresent(path: paths.database).events(AuditEventFilter(jobs: [job.name]))
                .map(\.step)
        }

        func events(_ job: Job, _ step: AuditStep) async throws -> [AuditEvent] {
            try await SQLiteAuditReader.openIfPresent(path: paths.database).events(
                AuditEventFilter(jobs: [job.name], steps: [step]))
        }

        func state(_ job: Job) async throws -> JobState {
            let history = try await history(job)
            return JobState.derive(
                history: history, decision: Scheduler.decide(job: job, history: history, now: clock.now()))
        }

        var endpoints: [String] { sandbox.requests.map(\.endpoint) }

        func close() async {
            await sandbox.stop()
            dir.remove()
        }
    }

    static let reloadHook = HookSpec(argv: ["/bin/sh", "-c", "exit 0"])

    @Test func aTwoKeyRotationKeepsAKeyTheVendorAcceptsInEverySinkAtEveryStep() async throws {
        let setup = try await Setup()
        let job = setup.job(hooks: [Self.reloadHook])
        let old = setup.sandbox.httpKeys[0].key
        setup.sample("before the run")

        let summary = try await setup.run(job, force: true)

        #expect(summary.count(.rotated) == 1, "\(summary.render())")
        let keys = setup.sandbox.httpKeys
        #expect(keys.map(\.id) == ["key_2"], "the old key is revoked in the same run (after: 0)")
        #expect(setup.appKey == keys.first?.key)
        #expect(setup.workerKey == keys.first?.key)
        #expect(setup.downtime.withLock { $0 }.isEmpty, "\(setup.downtime.withLock { $0 })")
        // Every step was looked at: the sinks, the hook, the done and the revoke.
        let samples = setup.samples.withLock { $0 }
        for step in ["after sink:app", "after sink:worker", "after hook", "before audit:revoked"] {
            #expect(samples.contains(step), "\(step) not sampled: \(samples)")
        }
        // Probe the current key, issue, verify the new key, probe it again right before the revoke.
        #expect(setup.endpoints == ["http-probe", "http-issue", "http-probe", "http-probe", "http-revoke"])
        // verify → sinks → hooks → done (with the pending revoke) → revoked.
        let steps = try await setup.steps(job).filter { ![.runStarted, .runFinished, .attempt].contains($0) }
        #expect(
            steps == [
                .intent, .issued, .verified, .sinkWritten, .sinkWritten, .hook, .done, .revokePending, .revoked,
            ], "\(steps)")
        let issued = try await setup.events(job, .issued)
        #expect(issued.first?.credentialID == "key_2")
        let history = try await setup.history(job)
        #expect(history.currentCredentialID == "key_2")
        #expect(history.pendingRevokeID == nil)
        #expect(try await setup.state(job) == .ok)
        // Ids and fingerprints in the log, never a key.
        let rows = try await SQLiteAuditReader.openIfPresent(path: setup.paths.database).events(AuditEventFilter())
        let message = summary.outcomes.first?.message ?? ""
        for key in [old, keys[0].key] {
            #expect(!rows.contains { String(describing: $0).contains(key) }, "a key in the audit log")
            #expect(!message.contains(key))
        }
        await setup.close()
    }

    @Test func aFailedReloadHookKeepsTheOldKeyUntilTheHooksRanThenRevokes() async throws {
        let setup = try await Setup()
        let failing = setup.job(hooks: [HookSpec(argv: ["/bin/sh", "-c", "exit 3"])])

        let first = try await setup.run(failing, force: true)
        #expect(first.count(.hookFailed) == 1, "\(first.render())")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"], "the app may still use the old key")
        #expect(!setup.endpoints.contains("http-revoke"))
        #expect(try await setup.history(failing).pendingRevokeID == "key_1")
        #expect(try await setup.state(failing) == .hookFailed)

        // The hook is fixed: the next run re-runs it, then revokes in the same run.
        let fixed = setup.job(hooks: [Self.reloadHook])
        let second = try await setup.run(fixed)
        #expect(second.count(.revoked) == 1, "\(second.render())")
        #expect(second.outcomes.first?.message?.hasPrefix("hooks re-ran; revoked the previous credential") == true)
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_2"])
        #expect(try await setup.state(fixed) == .ok)
        #expect(setup.downtime.withLock { $0 }.isEmpty, "\(setup.downtime.withLock { $0 })")
        await setup.close()
    }

    @Test func aLongerOverlapIsRevokedByTheFirstRunAfterIt() async throws {
        let setup = try await Setup()
        let job = setup.job(after: .hours(1))

        #expect(try await setup.run(job, force: true).count(.rotated) == 1)
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"], "the old key lives through the overlap")
        var history = try await setup.history(job)
        #expect(history.pendingRevokeID == "key_1")
        #expect(history.revokeDue == setup.clock.now() + 3600)
        #expect(try await setup.state(job) == .revokePending)

        setup.clock.advance(by: .seconds(1800))
        let early = try await setup.run(job)
        #expect(early.outcomes.isEmpty, "\(early.render())")
        #expect(setup.sandbox.httpKeys.count == 2)

        setup.clock.advance(by: .seconds(1800))
        let due = try await setup.run(job)
        #expect(due.count(.revoked) == 1, "\(due.render())")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_2"])
        #expect(setup.endpoints.filter { $0 == "http-issue" }.count == 1, "a revoke run issues nothing")
        history = try await setup.history(job)
        #expect(history.pendingRevokeID == nil)
        #expect(try await setup.state(job) == .ok)
        #expect(setup.downtime.withLock { $0 }.isEmpty, "\(setup.downtime.withLock { $0 })")
        await setup.close()
    }

    @Test func aJobWithAPendingRevokeIssuesNothingNewEvenWhenForced() async throws {
        let setup = try await Setup()
        let job = setup.job(after: .hours(1))
        #expect(try await setup.run(job, force: true).count(.rotated) == 1)

        let forced = try await setup.run(job, force: true)
        #expect(forced.outcomes.isEmpty, "\(forced.render())")
        #expect(setup.endpoints.filter { $0 == "http-issue" }.count == 1)
        let history = try await setup.history(job)
        let decision = Scheduler.decide(job: job, history: history, now: setup.clock.now(), force: true)
        #expect(!decision.isDue)
        #expect(decision.explanation.contains("revoke of the previous credential pending until"))
        await setup.close()
    }

    @Test func aFailedRevokeIsShownAndRetriedAfterTheBackoff() async throws {
        let setup = try await Setup()
        let job = setup.job()
        setup.sandbox.inject(.httpRevoke, [.status(503)])

        let first = try await setup.run(job, force: true)
        #expect(first.count(.revokeFailed) == 1, "\(first.render())")
        #expect(first.exitStatus == .jobFailed)
        let message = first.outcomes.first?.message ?? ""
        #expect(message.contains("rotated, but the previous credential (id key_1) was not revoked"), "\(message)")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"])
        var history = try await setup.history(job)
        #expect(history.pendingRevokeID == "key_1")
        #expect(history.revokeFailures == 1)
        #expect(try await setup.state(job) == .revokeFailed)
        #expect(try await setup.events(job, .revokeFailed).first?.credentialID == "key_1")

        // Held back by the failure backoff, then retried; nothing new is issued meanwhile.
        #expect(try await setup.run(job).outcomes.isEmpty)
        setup.clock.advance(by: .seconds(3601))
        let retried = try await setup.run(job)
        #expect(retried.count(.revoked) == 1, "\(retried.render())")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_2"])
        history = try await setup.history(job)
        #expect(history.pendingRevokeID == nil && history.revokeFailures == 0)
        #expect(setup.endpoints.filter { $0 == "http-issue" }.count == 1)
        await setup.close()
    }

    @Test func aRevokeIsRefusedWhileASinkDoesNotHoldTheNewKey() async throws {
        let setup = try await Setup()
        let job = setup.job(after: .hours(1))
        let old = setup.sandbox.httpKeys[0].key
        #expect(try await setup.run(job, force: true).count(.rotated) == 1)

        // Someone puts the old key back into one sink: revoking it would break that app.
        try setup.dir.write("worker.key", old)
        setup.clock.advance(by: .seconds(3600))
        let refused = try await setup.run(job)
        #expect(refused.count(.revokeFailed) == 1, "\(refused.render())")
        let message = refused.outcomes.first?.message ?? ""
        #expect(message.contains("sink 'worker' does not hold the new credential"), "\(message)")
        #expect(!message.contains(old), "no secret in the message")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"])
        #expect(!setup.endpoints.contains("http-revoke"))
        #expect(try await setup.state(job) == .revokeFailed)
        await setup.close()
    }

    @Test func aCredentialAdoptedBackDuringTheOverlapIsNeverRevoked() async throws {
        let setup = try await Setup()
        let job = setup.job(after: .hours(1))
        let old = setup.sandbox.httpKeys[0].key
        #expect(try await setup.run(job, force: true).count(.rotated) == 1)
        #expect(try await setup.events(job, .revokePending).first?.oldFingerprint != nil)

        // An operator puts the old key back (`rekey adopt`): its revoke must not go out.
        let environment = try RunEnvironment.production(
            paths: setup.paths, clock: setup.clock, settleDelay: .milliseconds(10), log: { _ in })
        _ = try await Adoption(environment: environment, run: TestRunEnvironment.run).adopt(Secret(old), job: job)
        await environment.close()
        #expect(setup.appKey == old && setup.workerKey == old)

        setup.clock.advance(by: .seconds(3600))
        let refused = try await setup.run(job)
        #expect(refused.count(.revokeFailed) == 1, "\(refused.render())")
        let message = refused.outcomes.first?.message ?? ""
        #expect(message.contains("it names the credential the sinks hold now"), "\(message)")
        #expect(!setup.endpoints.contains("http-revoke"))
        #expect(setup.sandbox.httpAcceptedSecrets.contains(old))
        await setup.close()
    }

    @Test func theNewCredentialsOwnIDIsNeverRevoked() async throws {
        let setup = try await Setup()
        // The vendor will give the new key id key_2: a previous_id naming it must not revoke it.
        let job = setup.job(previousID: "key_2")
        let summary = try await setup.run(job, force: true)
        #expect(summary.count(.rotated) == 1, "\(summary.render())")
        #expect(summary.outcomes.first?.message?.contains("rekey never revokes the current credential") == true)
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"])
        #expect(!setup.endpoints.contains("http-revoke"))
        #expect(try await setup.history(job).pendingRevokeID == nil)
        await setup.close()
    }

    @Test func aFirstRotationWithoutPreviousIDLeavesTheOldKeyAndTheNextRevokesTheOneRekeyIssued() async throws {
        var options = SandboxOptions()
        options.httpMaximumKeys = 3
        let setup = try await Setup(options: options)
        let job = setup.job(previousID: nil)

        let first = try await setup.run(job, force: true)
        #expect(first.count(.rotated) == 1, "\(first.render())")
        let warning = "the old credential was left alone: name previous_id to have rekey revoke it"
        #expect(first.outcomes.first?.message?.contains(warning) == true, "\(first.render())")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_2"])

        // The second rotation knows the id rekey issued: it revokes key_2, not key_1.
        let second = try await setup.run(job, force: true)
        #expect(second.count(.rotated) == 1, "\(second.render())")
        #expect(setup.sandbox.httpKeys.map(\.id) == ["key_1", "key_3"])
        #expect(setup.downtime.withLock { $0 }.isEmpty, "\(setup.downtime.withLock { $0 })")
        await setup.close()
    }

    @Test func aVendorRefusingAThirdKeyFailsWithTheWayOut() async throws {
        var options = SandboxOptions()
        options.httpKeys = 2
        let setup = try await Setup(options: options)
        let job = setup.job()
        let summary = try await setup.run(job, force: true)
        #expect(summary.count(.failed) == 1, "\(summary.render())")
        let outcome = try #require(summary.outcomes.first)
        #expect(outcome.errorName == "vendor-refused-another-key")
        let message = outcome.message ?? ""
        #expect(message.contains("409"), "\(message)")
        #expect(message.contains("Revoke at the vendor a credential"), "\(message)")
        #expect(message.contains("or wait for the pending revoke"), "\(message)")
        #expect(setup.endpoints.filter { $0 == "http-issue" }.count == 1, "a 409 is not retried")
        #expect(setup.appKey == setup.sandbox.httpKeys[0].key, "nothing changed")
        await setup.close()
    }

    @Test func aLostIssueAnswerIsNotResentAndNamesThePossiblyOrphanedCredential() async throws {
        let setup = try await Setup()
        let job = setup.job()
        let old = setup.sandbox.httpKeys[0].key
        // The vendor adds the key, then the connection drops before its answer arrives.
        setup.sandbox.inject(.httpIssue, [.resetAfter])

        let summary = try await setup.run(job, force: true)
        #expect(summary.count(.failed) == 1, "\(summary.render())")
        let outcome = try #require(summary.outcomes.first)
        #expect(outcome.errorName == "issue-may-have-added-credential")
        #expect(outcome.message?.contains("may hold a new credential issued at") == true, "\(outcome)")
        #expect(outcome.message?.contains("nothing is lost") == true)
        #expect(setup.endpoints.filter { $0 == "http-issue" }.count == 1, "never re-sent blindly")
        #expect(setup.sandbox.httpKeys.count == 2, "the vendor holds the orphan")
        #expect(setup.appKey == old && setup.workerKey == old)
        #expect(setup.downtime.withLock { $0 }.isEmpty)
        await setup.close()
    }
}
