// System tests (other users, mounts, real servers) may skip on a developer's machine that
// cannot run them, never in CI: `.ci/run` sets REKEY_REQUIRE_SYSTEM_TESTS=1, under which a
// missing capability is a failure. The failure is a line `.ci/run` fails on, not a crash: a
// trap here ended every other test of the process with it, and left CI's log holding a
// backtrace of a hundred threads where the reason should have been.

import Foundation

public enum SystemTestGate {
    /// What a required system test that cannot run prints; `.ci/run` fails on it.
    public static let failureMarker = "FAILED system test (REKEY_REQUIRE_SYSTEM_TESTS=1):"

    public static var required: Bool { ProcessInfo.processInfo.environment["REKEY_REQUIRE_SYSTEM_TESTS"] == "1" }

    /// Whether the test can run; when it cannot, says why (a skip locally, a failure in CI).
    public static func available(_ capability: Bool, _ why: String) -> Bool {
        if capability { return true }
        print(required ? "\(failureMarker) \(why)" : "SKIPPED system test: \(why)")
        return false
    }

    /// Root, and util-linux's setpriv to run a process as another user.
    public static var canSwitchUsers: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }
}
