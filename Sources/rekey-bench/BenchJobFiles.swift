// The bench's QuestionPro job files: job-N.yaml in DIR/jobs, each with an env-file sink
// N.env in DIR/sinks holding its current key, and an empty DIR/state (all private).

import Foundation

enum BenchJobFiles {
    /// One job per account. `endpoint` is the provider's location (`base_url: …` or
    /// `datacenter: com`); tenants cycle through `tenants` names; `verify: false` when
    /// `verify` is false.
    /// `hosts` (fleet mode): each job is pinned (`host:`) to one of them, in turn.
    static func write(
        _ accounts: [(organization: String, key: String)], in directory: String, endpoint: String, tenants: Int,
        verify: Bool = true, hosts: [String] = []
    ) throws {
        for path in [directory + "/jobs", directory + "/sinks", directory + "/state"] {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        for (index, account) in accounts.enumerated() {
            _ = FileManager.default.createFile(
                atPath: "\(directory)/sinks/\(index).env", contents: Data("API_KEY='\(account.key)'\n".utf8),
                attributes: [.posixPermissions: 0o600])
            try """
            name: job-\(index)\(hosts.isEmpty ? "" : "\nhost: " + hosts[index % hosts.count])
            tenant: t\(index % tenants)
            env: prod
            provider: {kind: questionpro.api-key, \(endpoint), organization_id: "\(account.organization)"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d\(verify ? "" : ", verify: false")}
            sinks: [{id: app, kind: env-file, path: ../sinks/\(index).env, key: API_KEY}]

            """.write(toFile: "\(directory)/jobs/job-\(index).yaml", atomically: false, encoding: .utf8)
        }
    }
}
