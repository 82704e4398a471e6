// A fleet's leases as the run's lock seam. A claim is one short transaction in the fleet's
// database (`PostgresLeaseProvider.claim`), taken when a slot frees, never ahead of it. While
// the job is held a task renews the lease every third of its length; the rotation asks
// `isHeld` (which renews too) before its intent and before delivery, and a lease that could
// not be renewed is never trusted again. Release gives the job back at once.

import Foundation
import RekeyEffects
import RekeyModel
import RekeyPostgresStore
import Synchronization

public struct FleetLeases: LeaseProvider {
    let provider: PostgresLeaseProvider
    /// How long a claim lasts unless renewed (rekey.yaml's `fleet.lease`).
    let seconds: Double
    let log: @Sendable (String) -> Void

    public init(provider: PostgresLeaseProvider, seconds: Double, log: @escaping @Sendable (String) -> Void) {
        self.provider = provider
        self.seconds = seconds
        self.log = log
    }

    /// Nil when another host holds the job, or when the database did not answer (said in
    /// the log: the job is skipped this run, not rotated without a lease).
    public func tryClaim(_ job: Job) async -> (any Lease)? {
        do {
            guard let claim = try await provider.claim([job.name], limit: 1, duration: seconds).first else {
                return nil
            }
            return FleetLease(claim: claim, provider: provider, seconds: seconds)
        } catch {
            log("cannot claim job '\(job.name)' in the fleet's database (\(error)); skipped this run")
            return nil
        }
    }
}

/// One held claim and the task that keeps it alive.
final class FleetLease: Lease {
    /// Set once a renewal found the lease gone: it is never trusted again.
    private final class Lost: Sendable {
        let flag = Mutex(false)
    }

    let claim: PostgresLease
    let provider: PostgresLeaseProvider
    let seconds: Double
    private let lost = Lost()
    private let renewal: Task<Void, Never>

    init(claim: PostgresLease, provider: PostgresLeaseProvider, seconds: Double) {
        self.claim = claim
        self.provider = provider
        self.seconds = seconds
        renewal = Task { [lost] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(seconds / 3))
                if Task.isCancelled { return }
                // An unreachable database is not a lost lease (it may still be ours): the
                // next renewal or `isHeld` asks again; a lease found gone stays gone.
                let renewed: PostgresLease?
                do {
                    renewed = try await provider.renew(claim, duration: seconds)
                } catch {
                    continue
                }
                if renewed == nil {
                    lost.flag.withLock { $0 = true }
                    return
                }
            }
        }
    }

    var fencingToken: Int64? { claim.token }
    var tookOver: Bool { claim.tookOver }

    func isHeld(leaving needed: Double) async -> Bool {
        if lost.flag.withLock({ $0 }) { return false }
        do {
            guard let renewed = try await provider.renew(claim, duration: seconds) else {
                lost.flag.withLock { $0 = true }
                return false
            }
            return renewed.secondsLeft >= needed
        } catch {
            // Unknown is not held: nothing that needs the lease starts on a guess.
            return false
        }
    }

    func release() async {
        renewal.cancel()
        try? await provider.release(claim)
    }
}
