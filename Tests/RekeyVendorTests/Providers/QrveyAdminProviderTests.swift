// Qrvey Admin Center logins against the sandbox: tokens issued, wrong credentials
// refused without retries, and 503s retried because a login is idempotent.

import Foundation
import RekeySandbox
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct QrveyAdminProviderTests {
    @Test func aLoginIssuesATokenWithItsExpiry() async throws {
        try await SandboxHarness.with { h in
            let provider = h.qrveyAdmin()
            #expect(provider.isIdempotent)
            #expect(!provider.canProbe)
            let issued = try await provider.issue(
                current: ["access_key": h.adminAccessKey], timeout: LoopbackTimeout.answer)
            #expect(!issued.secret.isEmpty)
            let expiry = try #require(issued.expiry)
            #expect(abs(expiry.timeIntervalSinceNow - 3600) < 60)
        }
    }

    @Test func theOlderV5PathCanBeConfigured() async throws {
        try await SandboxHarness.with { h in
            _ = try await h.qrveyAdmin(path: "/admin/api/v5/login").issue(
                current: ["access_key": h.adminAccessKey], timeout: LoopbackTimeout.answer)
            #expect(h.requests(.adminLogin).map(\.path) == ["/admin/api/v5/login"])
        }
    }

    @Test func wrongCredentialsFailWith401AndAreNotRetried() async throws {
        try await SandboxHarness.with { h in
            let outcome = await h.call(h.qrveyAdmin()).run(
                current: ["access_key": Secret("wrong-access-key")], probeSecret: nil
            ) { _ in }
            guard let (message, attempts, lastError) = expectFailed(outcome) else { return }
            #expect(attempts == 1)
            #expect(lastError?.status == 401)
            #expect(message.contains("Invalid credentials"))
            #expect(h.requests(.adminLogin).count == 1)
            // The access key is a login input rekey never rotates: adopt cannot replace it.
            #expect(!message.contains("adopt"))
            #expect(message.contains("access_key"))
        }
    }

    @Test func anUnknownUserFailsWith401() async throws {
        try await SandboxHarness.with { h in
            let error = await #expect(throws: ProviderError.self) {
                _ = try await h.qrveyAdmin(username: "nobody@example").issue(
                    current: ["access_key": h.adminAccessKey], timeout: LoopbackTimeout.answer)
            }
            #expect(error?.status == 401)
        }
    }

    @Test func a503IsRetriedBecauseLoginIsIdempotent() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.adminLogin, [.status(503), .status(502), .ok])
            let outcome = await h.call(h.qrveyAdmin()).run(current: ["access_key": h.adminAccessKey], probeSecret: nil)
            { _ in }
            guard let (_, attempts, mustVerify) = expectIssued(outcome) else { return }
            #expect(attempts == 3)
            #expect(!mustVerify)
            #expect(h.requests(.adminLogin).count == 3)
            #expect(h.clock.sleeps.count == 2)
        }
    }

    @Test func aLostAnswerIsRetriedToo() async throws {
        try await SandboxHarness.with { h in
            h.sandbox.inject(.adminLogin, [.resetAfter, .malformedJSON, .ok])
            let outcome = await h.call(h.qrveyAdmin()).run(current: ["access_key": h.adminAccessKey], probeSecret: nil)
            { _ in }
            guard let (_, attempts, _) = expectIssued(outcome) else { return }
            #expect(attempts == 3)
        }
    }

    @Test func aMissingAccessKeyIsRefusedBeforeAnyRequest() async throws {
        try await SandboxHarness.with { h in
            await #expect(throws: ProviderError.self) {
                _ = try await h.qrveyAdmin().issue(current: [:], timeout: LoopbackTimeout.answer)
            }
            #expect(h.sandbox.requests.isEmpty)
        }
    }
}
