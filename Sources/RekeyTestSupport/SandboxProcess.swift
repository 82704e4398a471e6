// `rekey sandbox` as a separate process, for end-to-end tests that kill rekey runs:
// the vendor must outlive them. Reads its URL and accounts from its JSON line, and its
// state from `/_sandbox/*`.

import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public final class SandboxProcess: @unchecked Sendable {
    public let process: Process
    public let url: URL
    /// (organization id, the key the sandbox issued first), in the sandbox's order.
    public let accounts: [(organization: String, key: String)]
    /// organization id → the key the sandbox issued first.
    public var initialKeys: [String: String] { Dictionary(accounts, uniquingKeysWith: { $1 }) }
    /// The described vendor's key id → its first key.
    public let initialHTTPKeys: [String: String]

    /// `rekey sandbox --json` of `binary` (the build under test unless given).
    public init(binary: URL = RekeyProcess.binary, arguments: [String]) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["sandbox", "--json"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        var buffer = Data()
        let deadline = Date() + 60
        while !buffer.contains(UInt8(ascii: "\n")) && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = buffer.split(separator: UInt8(ascii: "\n")).first ?? Data()
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let urlText = object["url"] as? String, let url = URL(string: urlText)
        else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.url = url
        accounts = (object["questionpro"] as? [[String: String]] ?? []).compactMap { account in
            guard let org = account["organization_id"], let key = account["api_key"] else { return nil }
            return (org, key)
        }
        initialHTTPKeys = Self.httpKeys(object)
    }

    static func httpKeys(_ object: [String: Any]) -> [String: String] {
        var keys: [String: String] = [:]
        for entry in (object["http"] as? [String: Any])?["keys"] as? [[String: String]] ?? [] {
            if let id = entry["id"], let key = entry["api_key"] { keys[id] = key }
        }
        return keys
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// `GET path` from the sandbox, waiting up to `timeout` seconds.
    public func get(_ path: String, timeout: Double = 30) throws -> Data {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        let task = URLSession.shared.dataTask(with: url.appendingPathComponent(path)) { data, _, _ in
            result = data
            semaphore.signal()
        }
        task.resume()
        _ = semaphore.wait(timeout: .now() + timeout)
        guard let data = result else { throw CocoaError(.fileReadUnknown) }
        return data
    }

    /// organization id (or the described vendor's key id) → the one valid key now.
    public func currentKeys() throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: try get("_sandbox/accounts")) as? [String: Any] ?? [:]
        var keys = Self.httpKeys(object)
        for account in object["questionpro"] as? [[String: String]] ?? [] {
            if let org = account["organization_id"], let key = account["api_key"] { keys[org] = key }
        }
        return keys
    }

    public struct LoggedRequest: Sendable {
        public var endpoint: String
        public var organizationID: String?
        public var receivedAt: Date
        public var processedAt: Date?
        public var sentAt: Date?
    }

    public func requests() throws -> [LoggedRequest] {
        let array = try JSONSerialization.jsonObject(with: try get("_sandbox/requests")) as? [[String: Any]] ?? []
        func date(_ value: Any?) -> Date? { (value as? Double).map { Date(timeIntervalSince1970: $0 / 1000) } }
        return array.map { entry in
            LoggedRequest(
                endpoint: entry["endpoint"] as? String ?? "", organizationID: entry["organizationID"] as? String,
                receivedAt: date(entry["receivedAt"]) ?? .distantPast, processedAt: date(entry["processedAt"]),
                sentAt: date(entry["sentAt"]))
        }
    }
}
