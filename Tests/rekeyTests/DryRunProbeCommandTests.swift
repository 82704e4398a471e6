import Foundation
import RekeyDelivery
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// `rekey run --dry-run --probe` against the sandbox: a first deployment proves its keys
    /// (after a baseline, when nothing is due) and a rejected key fails with exit 1; nothing
    /// is issued or written either way.
    @Suite struct DryRunProbeCommandTests {
        @Test func aBaselinedDeploymentProvesItsKeysAndARejectedKeyExitsOne() throws {
            let setup = try StopAndConsoleTests.Setup()
            defer { setup.stop() }
            #expect(try RekeyProcess.run(["baseline"] + setup.args).status == 0)

            let proved = try RekeyProcess.run(["run", "--dry-run", "--probe"] + setup.args)
            #expect(proved.status == 0, "\(proved.stdout)\(proved.stderr)")
            #expect(proved.stdout.contains("the vendor accepts the current key"))
            #expect(proved.stdout.contains("1 checked"))

            try setup.dir.write("sinks/app.env", "API_KEY='not-the-vendors-key-1234'\n")
            let rejected = try RekeyProcess.run(["run", "--dry-run", "--probe"] + setup.args)
            #expect(rejected.status == 1)
            #expect(
                (rejected.stdout + rejected.stderr).contains("rekey adopt --job one"),
                "\(rejected.stdout)\(rejected.stderr)")
            #expect(!(rejected.stdout + rejected.stderr).contains("not-the-vendors-key-1234"))
            #expect(try setup.sandbox.requests().filter { $0.endpoint == "regenerate" }.isEmpty)

            let misuse = try RekeyProcess.run(["run", "--probe"] + setup.args)
            #expect(misuse.status == 64)
            #expect(misuse.stderr.contains("--probe needs --dry-run"))
        }
    }
}
