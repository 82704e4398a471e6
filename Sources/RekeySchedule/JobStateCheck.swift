// `audit verify`'s second half: the per-job state table against a fresh fold of the
// chain. The table is not chained, so this is what catches an edited row (or a fold bug)
// before the scheduler trusts it again.

import Foundation
import RekeyAudit
import Synchronization

public enum JobStateCheck {
    public enum Result: Sendable, Equatable, CustomStringConvertible {
        /// Every job's stored state equals the chain's fold.
        case matches(jobs: Int)
        /// The log keeps no current table (an older log, or appends since); nothing to compare.
        case noCurrentTable
        /// These jobs' stored states differ from the chain (or are missing, or extra).
        case differs(jobs: [String])

        public var description: String {
            switch self {
            case .matches(let jobs): "per-job state table: OK (\(jobs) jobs match the chain)"
            case .noCurrentTable:
                "per-job state table: none current (the next run rebuilds it from the chain)"
            case .differs(let jobs):
                "per-job state table: does not match the chain for \(jobs.count) job(s): "
                    + jobs.prefix(10).joined(separator: ", ") + (jobs.count > 10 ? ", …" : "")
                    + ". plan, run and audit report may have misjudged them; rebuild it from the chain with `rekey audit verify --rebuild-state`"
            }
        }
    }

    /// `audit verify` in one pass over the log: the chain, and the fold of its events for
    /// the table check (nil when the chain itself fails). `rebuild` runs between the two
    /// (`--rebuild-state`), after a chain that verified.
    public static func verify(
        databasePath: String, key: AuditKey, headPath: String, rebuild: () throws -> Void = {}
    ) async throws -> (chain: VerifyResult, table: Result?) {
        // Folded on the verifier's second thread, as each row checks out.
        let folded = Folded()
        let chain = try AuditVerifier.verify(databasePath: databasePath, key: key, headPath: headPath) { event in
            folded.histories.withLock { $0.apply(event) }
        }
        guard chain.isOK else { return (chain, nil) }
        try rebuild()
        return (
            chain,
            try await compare(SQLiteAuditReader(path: databasePath), with: folded.histories.withLock { $0.byJob })
        )
    }

    /// The fold, written by the verifier's thread and read once it has finished.
    private final class Folded: Sendable {
        let histories = Mutex(JobHistory.Histories())
    }

    /// `audit verify` for a log kept elsewhere (PostgreSQL): `chain` walks the log's chain,
    /// lending each event that checked out, and the table is then read from `reader`.
    public static func verify(
        reader: any AuditLogReader, chain verifyChain: ((AuditEvent) -> Void) async throws -> VerifyResult,
        rebuild: () async throws -> Void = {}
    ) async throws -> (chain: VerifyResult, table: Result?) {
        var folded = JobHistory.Histories()
        let chain = try await verifyChain { event in folded.apply(event) }
        guard chain.isOK else { return (chain, nil) }
        try await rebuild()
        return (chain, try await compare(reader, with: folded.byJob))
    }

    /// The stored table against `folded`, the fold of the whole chain.
    static func compare(_ reader: any AuditLogReader, with folded: [String: JobHistory]) async throws -> Result {
        guard let states = try await reader.jobStates(version: JobHistoryProjection.version) else {
            return .noCurrentTable
        }
        var differing: [String] = []
        for job in Set(states.keys).union(folded.keys).sorted() {
            let stored = states[job].flatMap { try? JobHistoryProjection.decode($0) }
            if stored != folded[job] { differing.append(job) }
        }
        return differing.isEmpty ? .matches(jobs: folded.count) : .differs(jobs: differing)
    }
}
