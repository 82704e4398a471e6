import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary against the sandbox process, killed, stopped, hung up on or left without a
    /// reader at aimed moments (seeded): after each, a plain `rekey run` leaves every job consistent
    /// (its sinks hold the sandbox's one valid key) or — after SIGKILL only, and only when that
    /// job's regenerate was in flight — needs-recovery. Each loop must have interrupted runs at
    /// least five times in every step from `intent` to `done`. Iteration counts come from
    /// `REKEY_E2E_KILLS`, `REKEY_E2E_STOPS`, `REKEY_E2E_HANGUPS` and `REKEY_E2E_PIPES`.
    @Suite(.serialized) struct CrashLoopTests {
        static func count(_ name: String, _ fallback: Int) -> Int {
            ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
        }

        @Test func sigkillAtAnyStepNeverLosesAWorkingCredential() async throws {
            let outcome = try await CrashLoop.run(
                .signal(SIGKILL), iterations: Self.count("REKEY_E2E_KILLS", 200), seed: 20_261_124)
            outcome.expectEveryStepHit()
        }

        /// The same loop for a described (`kind: http`) regenerate vendor.
        @Test func sigkillAtAnyStepNeverLosesAnHTTPRegenerateJobsCredential() async throws {
            let outcome = try await CrashLoop.run(
                .signal(SIGKILL), iterations: Self.count("REKEY_E2E_HTTP_KILLS", 120), seed: 20_261_125, vendor: .http)
            outcome.expectEveryStepHit()
        }

        @Test func sigtermAtAnyStepFinishesInFlightWorkAndLosesNoKey() async throws {
            let outcome = try await CrashLoop.run(
                .signal(SIGTERM), iterations: Self.count("REKEY_E2E_STOPS", 50), seed: 7)
            #expect(outcome.needsRecovery == 0)
            outcome.expectEveryStepHit()
        }

        @Test func sighupAtAnyStepFinishesInFlightWorkAndLosesNoKey() async throws {
            let outcome = try await CrashLoop.run(
                .signal(SIGHUP), iterations: Self.count("REKEY_E2E_HANGUPS", 50), seed: 129)
            #expect(outcome.needsRecovery == 0)
            outcome.expectEveryStepHit()
        }

        @Test func aReaderClosingTheOutputPipeAtAnyStepNeitherKillsTheRunNorLosesAKey() async throws {
            let outcome = try await CrashLoop.run(.closedPipe, iterations: Self.count("REKEY_E2E_PIPES", 50), seed: 141)
            #expect(outcome.needsRecovery == 0)
            outcome.expectEveryStepHit()
        }
    }
}
