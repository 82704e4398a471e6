import Foundation
import RekeyPostgresStore
import RekeyTestSupport
import Testing

/// Leases from PostgreSQL with two claimers ("hosts"), each with connections of its own.
/// Expiry is tested with zero-length leases (expired by the database's next `now()`), not sleeps.
@Suite(.timeLimit(.minutes(3))) struct PostgresLeaseProviderTests {
    static let jobs = (0..<20).map { "job-\($0)" }

    static func twoClaimers(_ f: PostgresFixture) async throws -> (PostgresLeaseProvider, PostgresLeaseProvider) {
        (
            try await PostgresLeaseProvider.open(url: f.url, password: nil, holder: "host-a"),
            try await PostgresLeaseProvider.open(url: f.url, password: nil, holder: "host-b")
        )
    }

    @Test func twoClaimersAtOnceGetDisjointJobsUpToTheirFreeSlots() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let (a, b) = try await Self.twoClaimers(f)
        defer {
            a.close()
            b.close()
        }
        async let fromA = a.claim(Self.jobs, limit: 8, duration: 300)
        async let fromB = b.claim(Self.jobs, limit: 8, duration: 300)
        let (leasesA, leasesB) = try await (fromA, fromB)
        #expect(leasesA.count == 8 && leasesB.count == 8)
        #expect(Set(leasesA.map(\.job)).isDisjoint(with: leasesB.map(\.job)))
        #expect(Set((leasesA + leasesB).map(\.token)).count == 16)
        #expect((leasesA + leasesB).allSatisfy { $0.secondsLeft > 250 && $0.secondsLeft <= 300 })
        // Four jobs are left; both ask for more, and the four go to one or the other, once.
        let more = try await a.claim(Self.jobs, limit: 8, duration: 300) + b.claim(Self.jobs, limit: 8, duration: 300)
        #expect(more.count == 4)
        #expect(Set((leasesA + leasesB + more).map(\.job)) == Set(Self.jobs))
    }

    @Test func aHeldJobIsNotClaimedAgainAndAReleasedOneIsWithALargerToken() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let (a, b) = try await Self.twoClaimers(f)
        defer {
            a.close()
            b.close()
        }
        let held = try #require(try await a.claim(["job-1"], limit: 1, duration: 300).first)
        #expect(try await b.claim(["job-1"], limit: 1, duration: 300).isEmpty)
        #expect(try await a.isHeld(held))
        try await a.release(held)
        #expect(try await !a.isHeld(held))
        let next = try #require(try await b.claim(["job-1"], limit: 1, duration: 300).first)
        #expect(next.token > held.token)
        #expect(try f.sql("SELECT holder FROM leases WHERE job = 'job-1'") == "host-b")
    }

    @Test func anExpiredLeaseIsTakenOverAndTheStaleHolderIsRefused() async throws {
        guard let f = try await PostgresFixture.make() else { return }
        defer { f.remove() }
        let (a, b) = try await Self.twoClaimers(f)
        defer {
            a.close()
            b.close()
        }
        // Zero seconds: over by the database's clock at its next transaction.
        let stale = try #require(try await a.claim(["job-1"], limit: 1, duration: 0).first)
        let current = try #require(try await b.claim(["job-1"], limit: 1, duration: 300).first)
        #expect(current.token > stale.token)
        #expect(try await !a.isHeld(stale))
        #expect(try await a.renew(stale, duration: 300) == nil)
        // The stale holder's release leaves the new claim alone.
        try await a.release(stale)
        #expect(try await b.isHeld(current))
        let renewed = try #require(try await b.renew(current, duration: 600))
        #expect(renewed.token == current.token && renewed.secondsLeft > 500)
    }
}
