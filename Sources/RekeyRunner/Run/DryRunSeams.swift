// The two seams a dry run swaps in, so that it writes nothing: an audit log that reads
// the real one and refuses every append, and leases that create no lock file (a dry run
// changes nothing, so it needs no exclusion).

import RekeyAudit
import RekeyEffects
import RekeyModel

struct DryRunAuditLog: AuditLog {
    struct RefusedAppend: Error, CustomStringConvertible {
        var description: String { "a dry run writes nothing to the audit log" }
    }

    let reader: any AuditLogReader

    func append(_ event: AuditEvent) async throws -> AuditEvent { throw RefusedAppend() }
    func events(_ filter: AuditEventFilter) async throws -> [AuditEvent] { try await reader.events(filter) }
    func historyEvents() async throws -> [AuditEvent] { try await reader.historyEvents() }
}

struct UnclaimedLeases: LeaseProvider {
    struct NoLease: Lease {
        func release() {}
    }

    func tryClaim(_ job: Job) -> (any Lease)? { NoLease() }
}
