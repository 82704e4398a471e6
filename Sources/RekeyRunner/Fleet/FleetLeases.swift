// A fleet's leases as the run's lock seam. A claim is one short transaction in the fleet's
// database (`PostgresLeaseProvider.claim`), taken when a slot frees, never ahead of it. While
// the job is held a task renews the lease every third of its length; the rotation asks
// `isHeld` (which renews too) before its intent, before each retry of a regenerate and
// before delivery, and a lease found gone is never trusted again. When the database does
// not answer, the lease is still this
// host's until the end it last confirmed: no other host can claim it before the database's
// clock passes that end, and it is measured from before the confirming request was sent
// (the database's "now" was no earlier), on this host's monotonic clock. Release gives the
// job back at once.

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
            let sent = ContinuousClock.now
            guard let claim = try await provider.claim([job.name], limit: 1, duration: seconds).first else {
                return nil
            }
            return FleetLease(claim: claim, provider: provider, seconds: seconds, claimedAt: sent)
        } catch {
            log("cannot claim job '\(job.name)' in the fleet's database (\(error)); skipped this run")
            return nil
        }
    }
}

/// One held claim and the task that keeps it alive.
final class FleetLease: Lease {
    /// What this host knows of its claim: gone for good once a renewal found it taken or
    /// expired; else held at least until `until`.
    private final class Knowledge: Sendable {
        struct State {
            var lost = false
            var until: ContinuousClock.Instant
        }
        let state: Mutex<State>

        init(until: ContinuousClock.Instant) { state = Mutex(State(until: until)) }

        /// Asks the database to renew; records what it said. Nil when it did not answer.
        func renew(_ claim: PostgresLease, _ provider: PostgresLeaseProvider, seconds: Double) async -> Bool? {
            let sent = ContinuousClock.now
            let renewed: PostgresLease?
            do {
                renewed = try await provider.renew(claim, duration: seconds)
            } catch {
                return nil
            }
            return state.withLock { state in
                guard let renewed, !state.lost else {
                    state.lost = true
                    return false
                }
                state.until = max(state.until, sent + .seconds(renewed.secondsLeft))
                return true
            }
        }

        /// Held, by what was last confirmed, with `needed` seconds to spare.
        func held(leaving needed: Double) -> Bool {
            state.withLock { !$0.lost && ContinuousClock.now + .seconds(needed) < $0.until }
        }
    }

    let claim: PostgresLease
    let provider: PostgresLeaseProvider
    let seconds: Double
    private let knowledge: Knowledge
    private let renewal: Task<Void, Never>

    /// `claimedAt`: when the claiming request was sent (the claim's time left counts from it).
    init(claim: PostgresLease, provider: PostgresLeaseProvider, seconds: Double, claimedAt: ContinuousClock.Instant) {
        self.claim = claim
        self.provider = provider
        self.seconds = seconds
        let knowledge = Knowledge(until: claimedAt + .seconds(claim.secondsLeft))
        self.knowledge = knowledge
        renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(seconds / 3))
                if Task.isCancelled { return }
                // No answer is not a lost lease (it is ours until the end last confirmed): the
                // next renewal or `isHeld` asks again; a lease found gone stays gone.
                if await knowledge.renew(claim, provider, seconds: seconds) == false { return }
            }
        }
    }

    var fencingToken: Int64? { claim.token }
    var tookOver: Bool { claim.tookOver }

    func isHeld(leaving needed: Double) async -> Bool {
        guard await knowledge.renew(claim, provider, seconds: seconds) != false else { return false }
        return knowledge.held(leaving: needed)
    }

    func release() async {
        renewal.cancel()
        try? await provider.release(claim)
    }
}
