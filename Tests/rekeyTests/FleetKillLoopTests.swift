import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// A fleet host killed at any step (`FleetKillLoop`): after its leases run out another host
    /// finishes each job from the shared spool or flags it needs-recovery (only when the killed
    /// host's regenerate was in flight) — no silent loss, no job stuck. Every step from `intent`
    /// to `done` must have been interrupted at least five times. The number of kills comes
    /// from `REKEY_E2E_FLEET_KILLS`. Against the real PostgreSQL and OpenBao (a skip where they
    /// are missing, a failure under REKEY_REQUIRE_SYSTEM_TESTS=1).
    @Suite(.timeLimit(.minutes(10))) struct FleetKillLoopTests {
        @Test func sigkillOfAFleetHostAtAnyStepLeavesEveryJobToAnotherHostOrNeedsRecovery() async throws {
            guard let cluster = await PostgresTestCluster.shared, let vault = await LocalStoreServer.openBao else {
                return
            }
            let outcome = try await FleetKillLoop.run(
                cluster: cluster, vault: vault, kills: CrashLoopTests.count("REKEY_E2E_FLEET_KILLS", 50),
                seed: 20_261_215)
            outcome.figures.expectEveryStepHit()
        }
    }
}
