// Test doubles for the retry engine: a provider that answers `issue` and `probe` from a
// script, shorthand vendor errors, and a collector for the attempt records a call reports.

import Foundation
import RekeyTestSupport
import Synchronization
import Testing

@testable import RekeyModel
@testable import RekeyVendor

/// A provider that answers from a script: one result per `issue` call and per `probe` call.
final class ScriptedProvider: Provider {
    enum IssueStep: Sendable {
        case ok(String)
        case fail(ProviderError)
    }

    private struct State {
        var issues: [IssueStep]
        var probes: [ProbeResult]
        var issueCalls = 0
        var probeCalls: [Secret] = []
        var timeouts: [Duration] = []
    }

    private let state: Mutex<State>
    let isIdempotent: Bool
    let canProbe: Bool
    var probeConfiguration: String? { canProbe ? "GET scripted://probe" : nil }
    var kind: ProviderKind { isIdempotent ? .qrveyAdminToken : .questionProAPIKey }

    init(idempotent: Bool, canProbe: Bool = true, issues: [IssueStep], probes: [ProbeResult] = []) {
        self.isIdempotent = idempotent
        self.canProbe = canProbe
        state = Mutex(State(issues: issues, probes: probes))
    }

    var issueCalls: Int { state.withLock { $0.issueCalls } }
    var probeCalls: [Secret] { state.withLock { $0.probeCalls } }
    var timeouts: [Duration] { state.withLock { $0.timeouts } }

    func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        let step: IssueStep = state.withLock { s in
            s.issueCalls += 1
            s.timeouts.append(timeout)
            return s.issues.isEmpty
                ? .fail(ProviderError(vendor: "Script", kind: .status(418))) : s.issues.removeFirst()
        }
        switch step {
        case .ok(let key): return IssuedSecret(secret: Secret(key))
        case .fail(let error): throw error
        }
    }

    func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        state.withLock { s in
            s.probeCalls.append(secret)
            return s.probes.isEmpty ? .noAnswer("script exhausted") : s.probes.removeFirst()
        }
    }
}

extension ProviderError {
    static func http(_ code: Int, id: String? = nil, retryAfter: Double? = nil) -> ProviderError {
        ProviderError(vendor: "Script", kind: .status(code), vendorErrorID: id, retryAfterSeconds: retryAfter)
    }

    static func network(headSent: Bool) -> ProviderError {
        ProviderError(
            vendor: "Script",
            transport: TransportError(kind: headSent ? .connectionClosed : .connect, headSent: headSent, detail: ""))
    }
}

/// Collects the attempt records a call reports.
final class AttemptLog: Sendable {
    private let records = Mutex<[AttemptRecord]>([])
    var all: [AttemptRecord] { records.withLock { $0 } }
    func add(_ record: AttemptRecord) { records.withLock { $0.append(record) } }
}
