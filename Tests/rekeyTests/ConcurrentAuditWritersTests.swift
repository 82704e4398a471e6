import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// Two rekey processes appending to one audit log at once lose no event and keep one chain.
    @Suite struct ConcurrentAuditWritersTests {
        @Test func twoProcessesWritingAtOnceKeepOneChain() throws {
            let dir = try TemporaryDirectory(prefix: "rekey-writers")
            defer { dir.remove() }
            for name in ["a", "b"] {
                try dir.write(
                    "jobs/\(name).yaml",
                    """
                    name: job-\(name)
                    tenant: t
                    env: prod
                    provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
                    credentials: {api_key: {sink: s}}
                    policy: {every: 30d}
                    sinks: [{id: s, kind: file, path: ../sinks/\(name).key}]

                    """)
            }
            // Create the state once, then let two shells append at the same time.
            let first = try RekeyProcess.run(["baseline", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state")])
            #expect(first.status == 0, "\(first.stderr)")
            let rounds = 25
            let writers = try ["job-a", "job-b"].map { job in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = [
                    "-c",
                    "i=0; while [ $i -lt \(rounds) ]; do \"$0\" baseline --job \(job) --jobs \"$1\" --state-dir \"$2\" >/dev/null || exit 1; i=$((i+1)); done",
                    RekeyProcess.binary.path, dir.file("jobs"), dir.file("state"),
                ]
                try process.run()
                return process
            }
            for writer in writers {
                writer.waitUntilExit()
                #expect(writer.terminationStatus == 0)
            }
            let verify = try RekeyProcess.run([
                "audit", "verify", "--jobs", dir.file("jobs"), "--state-dir", dir.file("state"),
            ])
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(verify.stdout.contains("OK: \(2 + 2 * rounds) events"))
        }
    }
}
