// The seams a dry run swaps in, so that it writes nothing: an audit log that reads the
// real one and refuses every append, leases that create no lock file (a dry run changes
// nothing, so it needs no exclusion), and a spool whose preflight does not count a state
// directory the first real run will create as a problem.

import Foundation
import RekeyAudit
import RekeyDelivery
import RekeyEffects
import RekeyModel

struct DryRunAuditLog: AuditLog {
    struct RefusedAppend: Error, CustomStringConvertible {
        var description: String { "a dry run writes nothing to the audit log" }
    }

    let reader: any AuditLogReader

    func append(_ event: AuditEvent) async throws -> AuditEvent { throw RefusedAppend() }
    func append(contentsOf events: [AuditEvent]) async throws -> [AuditEvent] { throw RefusedAppend() }
    func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] { try await reader.events(filter) }
    func historyEvents() async throws -> [AuditEvent] { try await reader.historyEvents() }
    func forEachHistoryEvent(_ body: (AuditEvent) -> Void) async throws { try await reader.forEachHistoryEvent(body) }
    func jobStates(version: String) async throws -> [String: Data]? { try await reader.jobStates(version: version) }
    func jobsWithOpenIntent() async throws -> Set<String> { try await reader.jobsWithOpenIntent() }
}

struct UnclaimedLeases: LeaseProvider {
    func tryClaim(_ job: Job) async -> (any Lease)? { UnsharedLease() }
}

struct DryRunSpool: SpoolStore {
    let inner: any SpoolStore
    let directory: String

    func preflight() async -> String? {
        FileManager.default.fileExists(atPath: directory) ? await inner.preflight() : nil
    }

    func write(_ secret: SpooledSecret) async throws { try await inner.write(secret) }
    func all() async throws -> SpoolContents { try await inner.all() }
    func remove(job: String) async { await inner.remove(job: job) }
    func remove(job: String, fingerprint: String) async { await inner.remove(job: job, fingerprint: fingerprint) }
}
