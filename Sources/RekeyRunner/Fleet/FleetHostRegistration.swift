// A fleet host's identity (`--host` / REKEY_HOST, default the hostname) must be one live
// process's: leases are held by identity, so two processes with one name would each take the
// other's claims for their own. A run registers its identity with a random instance id for
// one lease length, renews it while it runs and removes it at the end; a second live process
// with the same identity is refused before it claims anything.

import Foundation
import RekeyPostgresStore

public enum FleetHostError: Error, LocalizedError, CustomStringConvertible {
    case identityInUse(String)

    public var description: String {
        switch self {
        case .identityInUse(let host):
            "another live rekey process is registered as host '\(host)' in the fleet's database; each process needs its own identity (--host or REKEY_HOST; in Kubernetes the pod name). If that process died, its registration runs out after one fleet.lease"
        }
    }

    public var errorDescription: String? { description }
}

final class FleetHostRegistration: Sendable {
    let provider: PostgresLeaseProvider
    let instance: String
    private let heartbeat: Task<Void, Never>

    private init(provider: PostgresLeaseProvider, instance: String, heartbeat: Task<Void, Never>) {
        self.provider = provider
        self.instance = instance
        self.heartbeat = heartbeat
    }

    /// Registers the provider's identity; throws `identityInUse` when a live process holds it.
    static func register(_ provider: PostgresLeaseProvider, seconds: Double) async throws -> FleetHostRegistration {
        let instance = UUID().uuidString
        guard try await provider.registerHost(instance: instance, duration: seconds) else {
            throw FleetHostError.identityInUse(provider.holder)
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(seconds / 3))
                if Task.isCancelled { return }
                _ = try? await provider.registerHost(instance: instance, duration: seconds)
            }
        }
        return FleetHostRegistration(provider: provider, instance: instance, heartbeat: heartbeat)
    }

    func end() async {
        heartbeat.cancel()
        try? await provider.unregisterHost(instance: instance)
    }
}
