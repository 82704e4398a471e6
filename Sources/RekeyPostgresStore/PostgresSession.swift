// The connections to one database: postgres-nio's `PostgresClient` (a pool) and the task
// that runs it. Every statement is an unnamed one (`query(_:)` with a `PostgresQuery`), so a
// pgbouncer in transaction mode between rekey and the server breaks nothing: no named
// prepared statement and no session state outlives a transaction (settings are `SET LOCAL`).

import Foundation
import Logging
import PostgresNIO

final class PostgresSession: Sendable {
    let url: PostgresURL
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private static let logger = Logger(label: "rekey.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Starts the pool; `password` is nil when the server trusts the connection.
    init(url: PostgresURL, password: String?, maximumConnections: Int = 4) {
        self.url = url
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: password, database: url.database,
            tls: Self.poolTLS(url.sslMode))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Closes every connection (the pool stops when its task is cancelled).
    func close() { runner.cancel() }

    /// libpq's sslmode as a TLS configuration (nil: no TLS) and whether TLS is required.
    /// `require` encrypts without checking the certificate, as libpq's does; `verify-ca`
    /// checks the chain, `verify-full` the host name too.
    static func tls(_ mode: PostgresURL.SSLMode) -> (TLSConfiguration?, required: Bool) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return (nil, false)
        case .allow, .prefer:
            configuration.certificateVerification = .none
            return (configuration, false)
        case .require:
            configuration.certificateVerification = .none
            return (configuration, true)
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return (configuration, true)
        case .verifyFull:
            return (configuration, true)
        }
    }

    static func poolTLS(_ mode: PostgresURL.SSLMode) -> PostgresClient.Configuration.TLS {
        switch tls(mode) {
        case (nil, _): .disable
        case (let configuration?, true): .require(configuration)
        case (let configuration?, false): .prefer(configuration)
        }
    }

    /// Runs `body` in one transaction on one connection; any error is wrapped to say what
    /// failed (`doing`), without the statement's arguments.
    func transaction<T: Sendable>(
        _ doing: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.withTransaction(logger: Self.logger) { connection in
                    try await body(connection)
                }
            }
        } catch {
            throw PostgresStoreError.wrap(error, url: url, doing: doing)
        }
    }

    /// Runs `body` on one connection, outside a transaction (a read of one statement).
    func connection<T: Sendable>(_ doing: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw PostgresStoreError.wrap(error, url: url, doing: doing)
        }
    }

    /// Connects once, outside the pool, and fails with the server's own reason (refused,
    /// authentication failed, no such database): the pool would instead retry quietly for a
    /// minute before giving up.
    func checkReachable(password: String?) async throws {
        do {
            let tlsMode: PostgresConnection.Configuration.TLS
            switch Self.tls(url.sslMode) {
            case (nil, _): tlsMode = .disable
            case (let configuration?, true): tlsMode = .require(try NIOSSLContext(configuration: configuration))
            case (let configuration?, false): tlsMode = .prefer(try NIOSSLContext(configuration: configuration))
            }
            var configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: password, database: url.database,
                tls: tlsMode)
            configuration.options.connectTimeout = .seconds(10)
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 0, logger: Self.logger)
            try await connection.close()
        } catch {
            throw PostgresStoreError.wrap(error, url: url, doing: "connecting")
        }
    }

    static var queryLogger: Logger { logger }
}
