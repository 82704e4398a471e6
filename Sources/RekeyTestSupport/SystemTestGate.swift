// System tests (other users, mounts, real servers) may skip on a developer's machine that
// cannot run them, never in CI: `.ci/run` sets REKEY_REQUIRE_SYSTEM_TESTS=1, under which a
// missing capability is a failure.

import Foundation

public enum SystemTestGate {
    public static var required: Bool { ProcessInfo.processInfo.environment["REKEY_REQUIRE_SYSTEM_TESTS"] == "1" }

    /// Whether the test can run; when it cannot, says why (a skip locally, a failure in CI).
    public static func available(_ capability: Bool, _ why: String) -> Bool {
        if capability { return true }
        if required {
            fatalError("system test cannot run here (\(why)) and REKEY_REQUIRE_SYSTEM_TESTS=1")
        }
        print("SKIPPED system test: \(why)")
        return false
    }

    /// Root, and util-linux's setpriv to run a process as another user.
    public static var canSwitchUsers: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }
}
