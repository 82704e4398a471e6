// The one HTTP client every vendor call goes through: AsyncHTTPClient with redirects
// refused (it would forward `api-key` to another host), TLS except to loopback, a
// capped body, `User-Agent: rekey/<version>`, HTTPS_PROXY, and — the fact the retry
// rules depend on — whether the request head had been sent when a call failed.

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RekeyModel
import Synchronization

public struct VendorRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct VendorResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    public var latencyMilliseconds: Int

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data(), latencyMilliseconds: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latencyMilliseconds = latencyMilliseconds
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// A failed exchange: no usable HTTP answer.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case insecureURL
        case connect
        case timeout
        case connectionClosed
        case bodyTooLarge
        case other
    }

    public var kind: Kind
    /// Whether the request head had gone out: after that the vendor may have acted.
    public var headSent: Bool
    public var detail: String

    public init(kind: Kind, headSent: Bool, detail: String) {
        self.kind = kind
        self.headSent = headSent
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .insecureURL: "refused to send credentials over plain http to a non-loopback host"
        case .connect: "could not connect (\(detail))"
        case .timeout: "timed out\(headSent ? " after the request was sent" : " before the request was sent")"
        case .connectionClosed: "the connection closed\(headSent ? " before the answer arrived" : "")"
        case .bodyTooLarge: "the answer was larger than 1 MiB"
        case .other: detail
        }
    }
}

/// The network seam: production uses `VendorHTTPClient`; tests may script answers.
public protocol HTTPTransport: Sendable {
    func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse
}

public final class VendorHTTPClient: HTTPTransport {
    public static let maximumBodySize = 1 << 20
    private let configuration: HTTPClient.Configuration
    /// Created on the first request: a command (or a test) that never calls a vendor
    /// never starts an HTTP client.
    private let lazyClient = Mutex<HTTPClient?>(nil)

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, connectTimeout: Duration = .seconds(5)
    ) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(connectTimeout.seconds * 1000))))
        configuration.httpVersion = .http1Only
        // AsyncHTTPClient keeps at most 8 connections per host by default, which would cap a
        // run at 8 concurrent vendor calls whatever --concurrency says.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        if let proxy = Self.proxy(from: environment) { configuration.proxy = proxy }
        self.configuration = configuration
    }

    private var client: HTTPClient {
        lazyClient.withLock { client in
            if let client { return client }
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            client = made
            return made
        }
    }

    static func proxy(from environment: [String: String]) -> HTTPClient.Configuration.Proxy? {
        guard let text = environment["HTTPS_PROXY"] ?? environment["https_proxy"], !text.isEmpty,
            let url = URL(string: text.contains("://") ? text : "http://" + text), let host = url.host
        else { return nil }
        return .server(host: host, port: url.port ?? 3128)
    }

    /// A client dropped without `shutdown()` (a caller that threw first) is shut down in
    /// the background: AsyncHTTPClient keeps itself alive until that completes, and a debug
    /// build would otherwise stop the whole process in its deinit.
    deinit {
        lazyClient.withLock { $0 }?.shutdown { _ in }
    }

    public func shutdown() async {
        let started = lazyClient.withLock { client in
            defer { client = nil }
            return client
        }
        try? await started?.shutdown()
    }

    public func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        guard request.url.scheme == "https" || (request.url.scheme == "http" && request.url.isLoopback) else {
            throw TransportError(kind: .insecureURL, headSent: false, detail: "")
        }
        let delegate = CollectingDelegate(limit: Self.maximumBodySize)
        let started = ContinuousClock.now
        do {
            var httpRequest = try HTTPClient.Request(url: request.url, method: HTTPMethod(rawValue: request.method))
            httpRequest.headers.add(name: "User-Agent", value: "rekey/\(RekeyVersion.current)")
            for (name, value) in request.headers { httpRequest.headers.add(name: name, value: value) }
            if let body = request.body { httpRequest.body = .bytes(body) }
            let deadline = NIODeadline.now() + .milliseconds(Int64(timeout.seconds * 1000))
            let task = client.execute(request: httpRequest, delegate: delegate, deadline: deadline)
            let (head, body) = try await task.futureResult.get()
            let elapsed = ContinuousClock.now - started
            return VendorResponse(
                status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
                body: Data(body.readableBytesView),
                latencyMilliseconds: Int(elapsed.seconds * 1000))
        } catch {
            throw Self.classify(error, headSent: delegate.headSent)
        }
    }

    static func classify(_ error: any Error, headSent: Bool) -> TransportError {
        if error is CollectingDelegate.BodyTooLarge {
            return TransportError(kind: .bodyTooLarge, headSent: headSent, detail: "")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return TransportError(kind: .connect, headSent: false, detail: "connect timeout")
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return TransportError(kind: .timeout, headSent: headSent, detail: "")
            case .remoteConnectionClosed:
                return TransportError(kind: .connectionClosed, headSent: headSent, detail: "")
            default:
                return TransportError(kind: headSent ? .other : .connect, headSent: headSent, detail: "\(error)")
            }
        }
        let text = "\(error)"
        let refused = text.contains("connectionRefused") || text.contains("Connection refused")
        return TransportError(kind: refused || !headSent ? .connect : .other, headSent: headSent, detail: text)
    }
}

/// Collects the answer (capped) and notes the moment the request head went out.
private final class CollectingDelegate: HTTPClientResponseDelegate {
    typealias Response = (HTTPResponseHead, ByteBuffer)
    struct BodyTooLarge: Error {}

    private struct State {
        var headSent = false
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    var headSent: Bool { state.withLock { $0.headSent } }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        state.withLock { $0.headSent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let tooLarge = state.withLock { state in
            var part = buffer
            if state.body.readableBytes + part.readableBytes > limit { return true }
            state.body.writeBuffer(&part)
            return false
        }
        return tooLarge ? task.eventLoop.makeFailedFuture(BodyTooLarge()) : task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        try state.withLock { state in
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return (head, state.body)
        }
    }
}
