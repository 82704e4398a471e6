// `rekey sandbox` of the binary under test, as a separate process, with a fleet of
// QuestionPro jobs against it: one job file and one env-file sink per account, in a fresh
// directory. Both the rotation rows and the Python rotator use it. The process itself is
// the end-to-end tests' `SandboxProcess`.

import Foundation
import RekeyTestSupport

final class BenchSandbox {
    let sandbox: SandboxProcess
    var url: URL { sandbox.url }
    /// (organization id, its first key), in the sandbox's order.
    var accounts: [(organization: String, key: String)] { sandbox.accounts }

    init(binary: URL, accounts count: Int, latency: String) throws {
        do {
            sandbox = try SandboxProcess(binary: binary, arguments: ["--accounts", "\(count)", "--latency", latency])
        } catch {
            throw CommandFailed(command: [binary.path, "sandbox"], status: -1)
        }
    }

    func stop() { sandbox.stop() }

    /// How many vendor requests the sandbox has answered so far.
    func requestCount() throws -> Int {
        guard
            let requests = try JSONSerialization.jsonObject(with: sandbox.get("_sandbox/requests", timeout: 120))
                as? [Any]
        else {
            throw CommandFailed(command: ["GET", "/_sandbox/requests"], status: -1)
        }
        return requests.count
    }

    /// Writes one job file per account into `directory`/jobs and its env-file sink into
    /// `directory`/sinks; `verify: false` when `verify` is false. Returns the rekey arguments
    /// that select them (`--jobs … --state-dir …`).
    func writeFleet(in directory: String, verify: Bool) throws -> [String] {
        try BenchJobFiles.write(
            accounts, in: directory, endpoint: "base_url: \(url.absoluteString)", tenants: 50, verify: verify)
        return ["--jobs", directory + "/jobs", "--state-dir", directory + "/state"]
    }
}
