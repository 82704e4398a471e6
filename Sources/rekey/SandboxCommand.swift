// `rekey sandbox`: the vendor emulator in the foreground, for trying rekey by hand.

import ArgumentParser
import Foundation
import RekeyEffects
import RekeyModel
import RekeySandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run the QuestionPro/Qrvey/described-vendor emulator on loopback, with optional faults; prints its URL and keys.",
        discussion: """
            Faults apply to an endpoint's next requests in order (regenerate, probe, admin-login, composer-token, \
            http-issue, http-probe, http-revoke):
              rekey sandbox --fault regenerate=503,503,ok --fault composer-token=429:retry-after=1 --latency 50ms
            Fault kinds: ok, 503 (any status), 429-1013 (status with vendor error id), 429:retry-after=2, \
            reset-before, reset-after (rotated, answer lost), replayed-401 (rotated, then 401), malformed-json, \
            seed-invalid-json, html, \
            huge-body, slow-body, redirect, latency=200ms.
            The described vendor (for kind: http jobs) lives under /v1: POST /v1/keys/regenerate, POST /v1/keys \
            (at most --http-max-keys, then 409), DELETE /v1/keys/{id}, POST /v1/oauth/token, GET /v1/me. Shape its \
            answer like your vendor's with --http-answer '{"data":{"key":"{{key}}","id":"{{id}}"}}' and point the \
            job's secret: and id: pointers at it.
            Other processes read state at /_sandbox/accounts and /_sandbox/requests, and add faults with POST /_sandbox/faults.
            """)

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port = 0

    @Option(help: "Number of QuestionPro accounts.")
    var accounts = 2

    @Option(help: "Latency added to every vendor answer (e.g. 50ms).")
    var latency: String = "0ms"

    @Option(help: "A fault plan like regenerate=503,ok (repeatable).")
    var fault: [String] = []

    @Option(
        name: .customLong("http-answer"),
        help: "The described vendor's answer: any JSON with \"{{key}}\", \"{{id}}\" and \"{{expires_at}}\" in it.")
    var httpAnswer = VendorSandbox.defaultHTTPAnswer

    @Option(name: .customLong("http-max-keys"), help: "How many keys the described vendor holds at once.")
    var httpMaxKeys = 2

    @Option(name: .customLong("http-keys"), help: "How many keys the described vendor holds at start.")
    var httpKeys = 1

    @Flag(name: .customLong("awkward-keys"), help: "Issue keys with characters that need quoting.")
    var awkwardKeys = false

    @Flag(help: "Print the URL and accounts as one JSON line (for scripts and tests).")
    var json = false

    func run() async throws {
        var options = SandboxOptions()
        options.port = port
        options.questionProAccounts = accounts
        options.awkwardKeys = awkwardKeys
        guard (try? JSONSerialization.jsonObject(with: Data(httpAnswer.utf8))) != nil,
            httpAnswer.contains("\"{{key}}\"")
        else {
            throw ValidationError("--http-answer must be JSON holding \"{{key}}\" where the new key goes")
        }
        options.httpAnswer = httpAnswer
        options.httpMaximumKeys = max(1, httpMaxKeys)
        options.httpKeys = max(1, httpKeys)
        guard let millis = RekeyDuration.parseMilliseconds(latency) ?? (latency == "0" ? 0 : nil) else {
            throw ValidationError("--latency must be a duration like 50ms")
        }
        options.latency = .milliseconds(millis)
        do {
            options.faults = try fault.map(FaultPlan.parse)
        } catch {
            throw ValidationError("\(error)")
        }
        let sandbox = VendorSandbox(options: options)
        let url = try await sandbox.start()
        Console.out(json ? try sandbox.announcementJSON(url: url) : sandbox.announcement(url: url))
        let stop = StopSignal()
        let signals = await stop.trap()
        while stop.requested == nil { try? await Task.sleep(for: .milliseconds(100)) }
        signals.cancel()
        await sandbox.stop()
    }
}
