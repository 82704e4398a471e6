// The HTTP client of the remote sinks: AsyncHTTPClient with redirects refused (a token
// must not follow a redirect to another host), https except to a loopback host, TLS
// verified against the system's roots or a sink's `ca_file`, and a capped answer. A
// failure is described by what happened, never by a response body.

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import RekeyDelivery
import RekeyModel
import Synchronization

/// A store's answer: status and body (the body is parsed, never logged).
struct StoreResponse: Sendable {
    var status: Int
    var body: Data
}

public final class StoreHTTPClient: Sendable {
    static let maximumBodySize = 1 << 20
    /// One client per trust configuration (`nil`: the system's roots), made on first use.
    private let clients = Mutex<[String: HTTPClient]>([:])
    private let connectTimeout: Duration

    public init(connectTimeout: Duration = .seconds(5)) {
        self.connectTimeout = connectTimeout
    }

    /// A writer dropped without `shutdown()` still closes its clients (in the background).
    deinit {
        for client in clients.withLock({ Array($0.values) }) { client.shutdown { _ in } }
    }

    public func shutdown() async {
        let started = clients.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in started { try? await client.shutdown() }
    }

    private func client(caFile: String?) throws(RemoteSinkFailure) -> HTTPClient {
        let key = caFile ?? ""
        if let client = clients.withLock({ $0[key] }) { return client }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw RemoteSinkFailure(
                    store: caFile, kind: .configuration, detail: "the CA file \(caFile) cannot be read")
            }
            tls.trustRoots = .file(caFile)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(connectTimeout.seconds * 1000))))
        configuration.httpVersion = .http1Only
        return clients.withLock { clients in
            if let existing = clients[key] { return existing }
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = made
            return made
        }
    }

    /// Sends one request; `store` names the store in errors.
    func send(
        method: String, url: URL, headers: [(String, String)], body: Data?, caFile: String?, timeout: Duration,
        store: String
    ) async throws(RemoteSinkFailure) -> StoreResponse {
        guard url.scheme == "https" || (url.scheme == "http" && url.isLoopback) else {
            throw RemoteSinkFailure(
                store: store, kind: .configuration,
                detail: "refused to send a token over plain http to a host that is not loopback")
        }
        let client = try client(caFile: caFile)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "User-Agent", value: "rekey/\(RekeyVersion.current)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout.seconds * 1000)))
            let body = try await response.body.collect(upTo: Self.maximumBodySize)
            return StoreResponse(status: Int(response.status.code), body: Data(body.readableBytesView))
        } catch {
            throw RemoteSinkFailure(
                store: store, kind: .unreachable, detail: "no answer (\(Self.describe(error)))", isTransient: true)
        }
    }

    /// A short description of a transport failure (no body, no header).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timeout"
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection closed"
            default: break
            }
        }
        if error is NIOSSLError { return "TLS failed: \(error)" }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return String(text.prefix(200))
    }
}
