// The sandbox's vendor state: QuestionPro accounts with one valid key each, Qrvey admin
// users and composer API keys, pending faults, and a log of every request with when it
// was processed and when its answer was fully sent.

import Foundation
import Synchronization

public struct SandboxRequest: Sendable, Codable, Hashable {
    public var id: Int
    public var endpoint: String
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: String
    public var organizationID: String?
    public var fault: String
    public var receivedAt: Date
    /// When the vendor's state changed (the key was rotated, a token issued).
    public var processedAt: Date?
    /// When the answer's last byte was handed to the connection.
    public var sentAt: Date?
    public var status: Int?
}

public struct QuestionProAccount: Sendable, Codable, Hashable {
    public var organizationID: String
    public var apiKey: String
}

final class SandboxState: Sendable {
    struct Storage {
        var questionPro: [String: String] = [:]
        var adminUsers: [String: String] = [:]
        var composerKeys: Set<String> = []
        var faults: [SandboxEndpoint: [SandboxFault]] = [:]
        var requests: [SandboxRequest] = []
        var counter = 0
        var awkwardKeys = false
        /// The described (`kind: http`) vendor: its API keys in issue order, its OAuth
        /// clients and the tokens they were given.
        var httpKeys: [SandboxHTTPKey] = []
        var httpClients: [String: String] = [:]
        var httpTokens: Set<String> = []
        var httpKeyCounter = 0
    }

    let storage = Mutex(Storage())

    func nextFault(_ endpoint: SandboxEndpoint) -> SandboxFault {
        storage.withLock { s in
            guard var queue = s.faults[endpoint], !queue.isEmpty else { return .ok }
            let fault = queue.removeFirst()
            s.faults[endpoint] = queue
            return fault
        }
    }

    func newKey() -> String {
        storage.withLock { s in
            s.counter += 1
            let random = (0..<24).map { _ in "abcdefghijkmnopqrstuvwxyz23456789".randomElement()! }
            // Awkward keys carry characters that need quoting in env files (never ' or \\).
            let core = "qp\(s.counter)_" + String(random)
            return s.awkwardKeys ? "\(core) $x \"q\" #h=`v`" : core
        }
    }

    func record(_ request: SandboxRequest) -> Int {
        storage.withLock { s in
            var request = request
            request.id = s.requests.count + 1
            s.requests.append(request)
            return request.id
        }
    }

    func update(_ id: Int, _ change: (inout SandboxRequest) -> Void) {
        storage.withLock { s in
            guard id >= 1, id <= s.requests.count else { return }
            change(&s.requests[id - 1])
        }
    }
}
