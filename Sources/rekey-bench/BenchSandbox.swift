// `rekey sandbox` of the binary under test, as a separate process, with a fleet of
// QuestionPro jobs against it: one job file and one env-file sink per account, in a fresh
// directory. Both the rotation rows and the Python rotator use it.

import Foundation
import RekeyModel

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

final class BenchSandbox {
    let process: Process
    let url: URL
    /// (organization id, its first key), in the sandbox's order.
    let accounts: [(organization: String, key: String)]

    init(binary: URL, accounts count: Int, latency: String) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["sandbox", "--json", "--accounts", "\(count)", "--latency", latency]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = buffer.split(separator: UInt8(ascii: "\n")).first ?? Data()
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let urlText = object["url"] as? String, let url = URL(string: urlText)
        else {
            process.terminate()
            throw CommandFailed(command: [binary.path, "sandbox"], status: process.terminationStatus)
        }
        self.url = url
        accounts = (object["questionpro"] as? [[String: String]] ?? []).map {
            ($0["organization_id"] ?? "", $0["api_key"] ?? "")
        }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// How many vendor requests the sandbox has answered so far.
    func requestCount() throws -> Int {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: url.appendingPathComponent("_sandbox/requests")) { data, _, _ in
            result = data
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 120)
        guard let data = result, let requests = try JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw CommandFailed(command: ["GET", "/_sandbox/requests"], status: -1)
        }
        return requests.count
    }

    /// Writes one job file per account into `directory`/jobs and its env-file sink into
    /// `directory`/sinks; `verify: false` when `verify` is false. Returns the rekey arguments
    /// that select them (`--jobs … --state-dir …`).
    func writeFleet(in directory: String, verify: Bool) throws -> [String] {
        let jobs = directory + "/jobs"
        let sinks = directory + "/sinks"
        for path in [jobs, sinks, directory + "/state"] {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        for (index, account) in accounts.enumerated() {
            _ = FileManager.default.createFile(
                atPath: "\(sinks)/\(index).env", contents: Data("API_KEY='\(account.key)'\n".utf8),
                attributes: [.posixPermissions: 0o600])
            try """
            name: job-\(index)
            tenant: t\(index % 50)
            env: prod
            provider: {kind: questionpro.api-key, base_url: \(url.absoluteString), organization_id: "\(account.organization)"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d\(verify ? "" : ", verify: false")}
            sinks: [{id: app, kind: env-file, path: ../sinks/\(index).env, key: API_KEY}]

            """.write(toFile: "\(jobs)/job-\(index).yaml", atomically: false, encoding: .utf8)
        }
        return ["--jobs", jobs, "--state-dir", directory + "/state"]
    }
}
