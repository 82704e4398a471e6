import Foundation
import RekeyAudit
import RekeyModel
import RekeyPostgresStore
import RekeySchedule
import RekeyTestSupport
import Testing

/// What every `AuditLog` promises, checked against SQLite and PostgreSQL alike: the same
/// events come back in chain order with the same hashes, batches are all-or-nothing, filters
/// and the history subset agree with a fold of everything, and the chain verifies.
@Suite(.timeLimit(.minutes(3))) struct AuditLogContractTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A log of `store`, fresh for one test, with the way to verify it; nil when skipped.
    struct Opened {
        let log: any AuditLog
        let verify: () async throws -> VerifyResult
        let close: () -> Void
    }

    static let key = AuditKey(bytes: Array(repeating: 9, count: 32))

    static func open(_ store: Store) async throws -> Opened? {
        let dir = try TemporaryDirectory()
        switch store {
        case .sqlite:
            let path = dir.file("audit.sqlite")
            let head = dir.file("audit.head")
            let log = try SQLiteAuditLog(path: path, key: key, headPath: head, projection: JobHistoryProjection())
            return Opened(
                log: log, verify: { try AuditVerifier.verify(databasePath: path, key: key, headPath: head) },
                close: { dir.remove() })
        case .postgres:
            guard let f = try await PostgresFixture.make() else {
                dir.remove()
                return nil
            }
            let log = try await PostgresAuditLog.open(
                url: f.url, password: nil, key: key, headPath: f.head, projection: JobHistoryProjection())
            return Opened(
                log: log, verify: { try await PostgresAuditVerifier.verify(log, key: key, localHeadPath: f.head) },
                close: {
                    log.close()
                    f.remove()
                    dir.remove()
                })
        }
    }

    /// The steps the events cycle through, written out (not `AuditStep.allCases`): a step added
    /// later must not change the events, or the pinned hash would follow the code it checks.
    static let pinnedSteps: [AuditStep] = [
        .runStarted, .runFinished, .intent, .attempt, .probe, .issued, .sinkWritten, .verified, .hook, .done,
        .failed, .preflightFailed, .needsRecovery, .unsettled, .recovered, .adopted, .baselined, .migrated,
    ]

    /// An event with awkward fields a seeded source picks: absent, empty, non-ASCII, extreme numbers.
    static func randomEvent(_ index: Int, _ random: SeededRandomSource) -> AuditEvent {
        func pick<T>(_ choices: [T?]) -> T? { choices[Int(random.nextUnit() * Double(choices.count))] }
        let texts: [String?] = [nil, "", "a", "ü-ß", "🔑 key; =:-", String(repeating: "x", count: 300), "\(index)"]
        let numbers: [Int?] = [nil, 0, 1, -1, 200, 429, Int.max, Int.min]
        var event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 1.337),
            runID: pick(texts) ?? "run", step: pinnedSteps[index % pinnedSteps.count],
            job: pick(["job-a", "job-b", "job-c", nil]), tenant: pick(texts), env: pick(texts), provider: pick(texts),
            attempt: pick(numbers), httpStatus: pick(numbers), vendorErrorName: pick(texts), vendorErrorID: pick(texts),
            latencyMilliseconds: pick(numbers), oldFingerprint: pick(texts), newFingerprint: pick(texts),
            expiry: pick([nil, Date(timeIntervalSince1970: 1_900_000_000.5), Date(timeIntervalSince1970: -12.25)]),
            trigger: pick(texts), user: pick(texts), host: pick(texts), pid: pick(numbers), version: pick(texts),
            exitCode: pick(numbers), message: pick(texts))
        event.probeConfig = pick(texts)
        return event
    }

    @Test(arguments: Store.allCases)
    func eventsComeBackAsAppendedAndTheChainVerifies(store: Store) async throws {
        guard let opened = try await Self.open(store) else { return }
        defer { opened.close() }
        let random = SeededRandomSource(seed: 11)
        var appended: [AuditEvent] = []
        for batch in 0..<20 {
            let events = (0..<(batch % 4 + 1)).map { Self.randomEvent(batch * 10 + $0, random) }
            appended += try await opened.log.append(contentsOf: events)
        }
        #expect(appended.map(\.sequence) == (1...appended.count).map { Int64($0) })
        #expect(try await opened.log.events(AuditEventFilter()) == appended)
        #expect(try await opened.verify() == .ok(count: Int64(appended.count)))
    }

    @Test(arguments: Store.allCases)
    func bothStoresChainTheSameEventsToTheSameHashes(store: Store) async throws {
        guard let opened = try await Self.open(store) else { return }
        defer { opened.close() }
        let random = SeededRandomSource(seed: 3)
        let stored = try await opened.log.append(contentsOf: (0..<50).map { Self.randomEvent($0, random) })
        // Pinned from SQLite: a PostgreSQL log of the same events under the same key ends on the same hash.
        #expect(stored.last?.hash == Self.hashOfFiftyEvents, "\(store): \(stored.last?.hash ?? "-")")
    }

    static let hashOfFiftyEvents = "31810866d58b27ce1ba2225d43b88680ae746709c9a85c8a74805c77f1281ec0"

    @Test(arguments: Store.allCases)
    func filtersAndTheHistorySubsetAgreeWithAFoldOfEverything(store: Store) async throws {
        guard let opened = try await Self.open(store) else { return }
        defer { opened.close() }
        let random = SeededRandomSource(seed: 5)
        try await opened.log.append(contentsOf: (0..<300).map { Self.randomEvent($0, random) })
        let all = try await opened.log.events(AuditEventFilter())
        let since = Date(timeIntervalSince1970: 1_800_000_100)
        let filter = AuditEventFilter(since: since, jobs: ["job-a", "job-b"], steps: [.done, .failed, .intent])
        #expect(try await opened.log.events(filter) == all.filter(filter.matches))
        var newest = filter
        newest.limit = 3
        #expect(try await opened.log.events(newest) == Array(all.filter(filter.matches).suffix(3)))
        #expect(try await opened.log.historiesFromChain() == JobHistory.fold(all))
        #expect(try await opened.log.histories() == JobHistory.fold(all))
        #expect(try await opened.log.jobStates(version: JobHistoryProjection.version)?.count == 3)
    }

    /// The query's list of settling steps is the fold's: after an `intent`, exactly the steps
    /// in `AuditStep.settlesIntent` leave no open intent.
    @Test func theStepsThatSettleAnIntentAreTheFoldsOwn() {
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        for step in AuditStep.allCases where step != .intent {
            var history = JobHistory()
            history.apply(AuditEvent(time: time, runID: "run", step: .intent, job: "job"))
            history.apply(AuditEvent(time: time + 1, runID: "run", step: step, job: "job"))
            #expect(history.openIntent == !AuditStep.settlesIntent.contains(step), "\(step)")
        }
    }

    /// Recovery's one query for the jobs with an open intent gives the fold's answer: after
    /// every batch of a seeded run of intents and the steps that do and do not settle them.
    @Test(arguments: Store.allCases)
    func theOpenIntentsQueryAgreesWithTheFold(store: Store) async throws {
        guard let opened = try await Self.open(store) else { return }
        defer { opened.close() }
        let random = SeededRandomSource(seed: 17)
        let steps: [AuditStep] = [.intent, .intent, .attempt, .unsettled, .hook, .verified] + AuditStep.settlesIntent
        let jobs = (0..<8).map { "job-\($0)" }
        var seen: Set<Set<String>> = []
        for batch in 0..<40 {
            let events = (0..<3).map { index in
                AuditEvent(
                    time: Date(timeIntervalSince1970: 1_800_000_000 + Double(batch * 3 + index)), runID: "run",
                    step: steps[Int(random.nextUnit() * Double(steps.count))],
                    job: jobs[Int(random.nextUnit() * Double(jobs.count))])
            }
            try await opened.log.append(contentsOf: events)
            let folded = Set(
                JobHistory.fold(try await opened.log.events(AuditEventFilter())).filter(\.value.openIntent).keys)
            #expect(try await opened.log.jobsWithOpenIntent() == folded, "after batch \(batch)")
            #expect(AuditOpenIntents.fold(try await opened.log.historyEvents()) == folded)
            seen.insert(folded)
        }
        // The run went through open and settled intents, not one answer throughout.
        #expect(seen.count > 5)
    }

    /// `hosts: [..]` jobs: the hosts that delivered a secret come from rows after its
    /// `issued`; the `done` that ends it clears them, so the subset (everything since the last
    /// `done`, and only the newest row of each kind before it) folds to the same history.
    @Test(arguments: Store.allCases)
    func deliveriesHostByHostFoldTheSameFromTheSubset(store: Store) async throws {
        guard let opened = try await Self.open(store) else { return }
        defer { opened.close() }
        var time = Date(timeIntervalSince1970: 1_800_000_000)
        func row(_ step: AuditStep, _ fingerprint: String?, host: String) -> AuditEvent {
            time += 1
            var event = AuditEvent(time: time, runID: "run-\(host)", step: step, job: "job-a", host: host)
            event.newFingerprint = fingerprint
            return event
        }
        let first: [AuditEvent] = [
            row(.issued, "fp-1", host: "a"), row(.delivered, "fp-1", host: "a"), row(.delivered, "fp-1", host: "b"),
            row(.delivered, "fp-1", host: "c"), row(.done, "fp-1", host: "c"),
        ]
        let second: [AuditEvent] = [
            row(.issued, "fp-2", host: "b"), row(.delivered, "fp-2", host: "b"), row(.delivered, "fp-2", host: "c"),
        ]
        for batch in [first, second] {
            try await opened.log.append(contentsOf: batch)
            let all = try await opened.log.events(AuditEventFilter())
            #expect(try await opened.log.historiesFromChain() == JobHistory.fold(all))
            #expect(try await opened.log.histories() == JobHistory.fold(all))
        }
        let history = try #require(try await opened.log.historiesFromChain()["job-a"])
        #expect(history.deliveringFingerprint == "fp-2")
        #expect(history.deliveredHosts == ["b", "c"])
        #expect(history.hostsPending(of: ["a", "b", "c"]) == ["a"])
        #expect(try await opened.log.historyFromChain(of: "job-a") == history)
    }
}
