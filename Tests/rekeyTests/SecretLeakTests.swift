import Foundation
import RekeyDelivery
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// No secret — issued, or read from `{env:}`/`{file:}` credentials — in stdout, stderr,
    /// the audit database, any argv, or a hook's environment.
    @Suite struct SecretLeakTests {
        @Test func noSecretLeavesThroughAnyChannel() async throws {
            let dir = try TemporaryDirectory(prefix: "rekey-leak")
            defer { dir.remove() }
            let sandbox = try SandboxProcess(arguments: ["--accounts", "1", "--awkward-keys"])
            defer { sandbox.stop() }
            let org = sandbox.initialKeys.keys.first!
            let initialKey = sandbox.initialKeys[org]!
            let composerKey = "sandbox-composer-api-key-1"
            try dir.write("sinks/app.env", "API_KEY='\(initialKey)'\n")
            try dir.write(
                "jobs/leak.yaml",
                """
                defaults:
                  tenant: acme
                  env: prod
                  hooks:
                    - argv: [/bin/sh, -c, 'env > "$(dirname "$REKEY_SINKS" | cut -d, -f1)/hook-env-$REKEY_JOB"; tr "\\\\0" "\\\\n" < /proc/$$/environ >> "$(dirname "$REKEY_SINKS" | cut -d, -f1)/hook-env-$REKEY_JOB"']
                jobs:
                  - name: qp
                    provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString), organization_id: "\(org)"}
                    credentials: {api_key: {sink: app}}
                    policy: {every: 30d}
                    sinks: [{id: app, kind: env-file, path: ../sinks/app.env, key: API_KEY}]
                  - name: composer
                    provider: {kind: qrvey.composer-token, base_url: \(sandbox.url.absoluteString), user_id: u, app_id: a, expires_in: 1w}
                    credentials: {api_key: {env: REKEY_TEST_QRVEY_KEY}}
                    policy: {renew_before: 1d}
                    sinks: [{id: token, kind: file, path: ../sinks/composer.token}]
                """)
            var environment = ProcessInfo.processInfo.environment
            environment["REKEY_TEST_QRVEY_KEY"] = composerKey
            let args = ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")]
            var outputs: [String] = []
            for command in [
                ["run", "--log-format", "json"], ["run", "--force"], ["plan"], ["audit", "report", "--events"],
                ["audit", "report", "--format", "json"],
            ] {
                let result = try RekeyProcess.run(command + args, environment: environment)
                outputs += [result.stdout, result.stderr]
            }
            let newKey = try #require(sandbox.currentKeys()[org])
            let token = try FileSink.read(path: dir.file("sinks/composer.token")).revealed
            #expect(try EnvFileSink.readValue(path: dir.file("sinks/app.env"), key: "API_KEY").revealed == newKey)
            #expect(newKey != initialKey)

            let dump = Process()
            dump.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            dump.arguments = [dir.file("state/audit.sqlite"), ".dump"]
            let pipe = Pipe()
            dump.standardOutput = pipe
            try dump.run()
            let database = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            dump.waitUntilExit()
            #expect(database.contains("INSERT INTO"))

            let hookEnvironments = try ["qp", "composer"].map {
                try String(contentsOfFile: dir.file("sinks/hook-env-\($0)"), encoding: .utf8)
            }
            #expect(hookEnvironments.allSatisfy { $0.contains("REKEY_JOB=") })
            #expect(hookEnvironments.allSatisfy { !$0.contains("REKEY_TEST_QRVEY_KEY") })

            let channels = outputs + [database] + hookEnvironments
            for secret in [initialKey, newKey, composerKey, token] {
                for (index, channel) in channels.enumerated() {
                    #expect(!channel.contains(secret), "channel \(index) holds a secret")
                }
            }
        }
    }
}
