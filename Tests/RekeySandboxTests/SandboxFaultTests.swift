// `--fault` strings: every fault kind parses, prints back the same way, and anything
// else is refused with a message (never a crash).

import Foundation
import RekeySandbox
import RekeyTestSupport
import RekeyVendor
import Testing

@Suite struct SandboxFaultTests {
    static let valid: [(String, SandboxFault)] = [
        ("ok", .ok),
        ("503", .status(503)),
        ("302", .status(302)),
        ("429-1013", .status(429, errorID: "1013")),
        ("429:retry-after=2", .status(429, retryAfter: "2")),
        ("429-1026:retry-after=0", .status(429, errorID: "1026", retryAfter: "0")),
        ("reset-before", .resetBefore),
        ("reset-after", .resetAfter),
        ("replayed-401", .replayed401),
        ("malformed-json", .malformedJSON),
        ("seed-invalid-json", .seedInvalidJSON),
        ("html", .html),
        ("huge-body", .hugeBody),
        ("slow-body", .slowBody),
        ("redirect", .redirect),
        ("latency=50ms", .latency(.milliseconds(50))),
        (" HTML ", .html),
    ]

    @Test(arguments: valid)
    func aValidFaultParses(_ text: String, _ fault: SandboxFault) {
        #expect(SandboxFault.parse(text) == fault)
    }

    @Test(arguments: valid.map(\.1))
    func aFaultPrintsAsTextThatParsesBack(_ fault: SandboxFault) {
        #expect(SandboxFault.parse(fault.description) == fault)
    }

    @Test(arguments: [
        "", " ", ":", "-", "-5", "200", "600", "99", "5o3", "503:wait=1", "latency=", "latency=soon", "reset", "okay",
    ])
    func anInvalidFaultIsRefused(_ text: String) {
        #expect(SandboxFault.parse(text) == nil)
    }

    @Test func aPlanNamesAnEndpointAndItsFaultsInOrder() throws {
        let plan = try FaultPlan.parse("regenerate=503,503,ok")
        #expect(plan == FaultPlan(endpoint: .regenerate, faults: [.status(503), .status(503), .ok]))
        #expect(try FaultPlan.parse("admin-login=reset-after").endpoint == .adminLogin)
        #expect(try FaultPlan.parse("composer-token=429:retry-after=1").faults == [.status(429, retryAfter: "1")])
        #expect(try FaultPlan.parse("probe=latency=20ms,html").faults == [.latency(.milliseconds(20)), .html])
    }

    @Test(arguments: [
        "", "regenerate", "nowhere=ok", "=ok", "Regenerate=ok", "regenerate=bogus", "regenerate=503,teapot",
        "regenerate= ",
    ])
    func anInvalidPlanIsRefusedWithAMessage(_ text: String) {
        #expect(throws: SandboxError.self) { try FaultPlan.parse(text) }
    }

    @Test func theMessageListsTheEndpointsOrTheFaults() {
        do {
            _ = try FaultPlan.parse("nowhere=ok")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("regenerate"))
            #expect("\(error)".contains("composer-token"))
        }
        do {
            _ = try FaultPlan.parse("regenerate=teapot")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("'teapot'"))
            #expect("\(error)".contains("reset-after"))
        }
    }

    @Test func injectedFaultsAreUsedInOrderThenTheEndpointAnswersNormally() async throws {
        let sandbox = VendorSandbox()
        let url = try await sandbox.start()
        sandbox.inject(try FaultPlan.parse("probe=503,429-1013"))
        let key = sandbox.questionProKey(organizationID: "1001") ?? ""
        let client = VendorHTTPClient(environment: [:])
        var statuses: [Int] = []
        for _ in 0..<3 {
            let request = VendorRequest(
                method: "GET", url: url.appendingPathComponent("a/api/v2/organizations/1001/users"),
                headers: [("api-key", key)])
            statuses.append(try await client.send(request, timeout: LoopbackTimeout.answer).status)
        }
        await client.shutdown()
        #expect(statuses == [503, 429, 200])
        #expect(sandbox.requests.map(\.fault) == ["503", "429-1013", "ok"])
        await sandbox.stop()
    }
}
