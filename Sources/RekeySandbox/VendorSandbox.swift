// A stateful emulator of the QuestionPro and Qrvey endpoints rekey calls, on loopback
// (port 0, read back), with fault injection and a request log. Used by tests,
// `rekey demo` and `rekey sandbox`.

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

public struct SandboxOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 0
    /// Added to every vendor answer.
    public var latency: Duration = .zero
    public var questionProAccounts = 2
    /// Keys with characters that need quoting (space, $, ", #, =, backtick).
    public var awkwardKeys = false
    public var faults: [FaultPlan] = []
    /// The described vendor's answer to an issue: any JSON, with `"{{key}}"`, `"{{id}}"` and
    /// `"{{expires_at}}"` where the new key, its id and its expiry (RFC 3339) go.
    public var httpAnswer = VendorSandbox.defaultHTTPAnswer
    /// How many keys the described vendor holds at once (a third is refused with 409).
    public var httpMaximumKeys = 2
    /// How many keys the described vendor holds at start (one per job of a fleet test).
    public var httpKeys = 1

    public init() {}
}

public final class VendorSandbox: Sendable {
    let state = SandboxState()
    let options: SandboxOptions
    private let running = Mutex<(task: Task<Void, any Error>?, url: URL?)>((nil, nil))

    public init(options: SandboxOptions = SandboxOptions()) {
        self.options = options
        state.storage.withLock { s in
            s.awkwardKeys = options.awkwardKeys
            for plan in options.faults { s.faults[plan.endpoint, default: []] += plan.faults }
        }
        for index in 0..<options.questionProAccounts {
            addQuestionProAccount(organizationID: String(1001 + index))
        }
        state.storage.withLock { s in
            s.adminUsers["admin@sandbox.example"] = "sandbox-access-key-1"
            s.composerKeys.insert("sandbox-composer-api-key-1")
            s.httpClients["sandbox-client"] = "sandbox-client-secret-1"
        }
        for _ in 0..<max(1, options.httpKeys) { addHTTPKey() }
    }

    // MARK: Accounts

    @discardableResult
    public func addQuestionProAccount(organizationID: String, key: String? = nil) -> String {
        let key = key ?? state.newKey()
        state.storage.withLock { $0.questionPro[organizationID] = key }
        return key
    }

    public func questionProKey(organizationID: String) -> String? {
        state.storage.withLock { $0.questionPro[organizationID] }
    }

    public var questionProAccounts: [QuestionProAccount] {
        state.storage.withLock { s in
            s.questionPro.sorted { $0.key < $1.key }.map {
                QuestionProAccount(organizationID: $0.key, apiKey: $0.value)
            }
        }
    }

    public var adminUsers: [String: String] { state.storage.withLock { $0.adminUsers } }
    public var composerAPIKeys: [String] { state.storage.withLock { $0.composerKeys.sorted() } }

    // MARK: Faults and log

    public func inject(_ plan: FaultPlan) {
        state.storage.withLock { $0.faults[plan.endpoint, default: []] += plan.faults }
    }

    public func inject(_ endpoint: SandboxEndpoint, _ faults: [SandboxFault]) {
        inject(FaultPlan(endpoint: endpoint, faults: faults))
    }

    public var requests: [SandboxRequest] { state.storage.withLock { $0.requests } }

    // MARK: Lifecycle

    public var url: URL? { running.withLock { $0.url } }

    /// Starts listening and returns the base URL (`http://127.0.0.1:<port>`).
    public func start() async throws -> URL {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        SandboxRoutes(sandbox: self).add(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "rekey-sandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "rekey-sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        var port = 0
        for await value in stream { port = value }
        guard port > 0, let url = URL(string: "http://\(options.host):\(port)") else {
            task.cancel()
            throw SandboxError.notStarted
        }
        running.withLock { $0 = (task, url) }
        return url
    }

    public func stop() async {
        let task = running.withLock { state in
            let task = state.task
            state = (nil, nil)
            return task
        }
        task?.cancel()
        _ = await task?.result
    }
}
