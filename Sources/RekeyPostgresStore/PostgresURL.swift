// A `--db postgres://user@host:port/db?sslmode=…` URL, parsed once. It never holds a
// password: one written into the URL is refused (it would end up in `ps`, shell history and
// cron mail), and the password comes from PGPASSWORD or ~/.pgpass (`PostgresPassword`).
// Its description is what every message shows.

import Foundation

public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode` values (https://www.postgresql.org/docs/current/libpq-ssl.html).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    /// libpq's default when the URL names none: TLS when the server offers it.
    public var sslMode: SSLMode

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(user: String, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .prefer) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    public init(parsing text: String) throws(PostgresStoreError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw .invalidURL(Self.redact(text), why: "it must look like postgres://user@host:5432/database")
        }
        if components.password != nil {
            throw .invalidURL(
                Self.redact(text),
                why:
                    "it holds a password, which would show in `ps` and logs; remove it and set PGPASSWORD or ~/.pgpass instead"
            )
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidURL(text, why: "it names no user (postgres://USER@host/database)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL(text, why: "it names no host (postgres://user@HOST/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidURL(text, why: "it names no database (postgres://user@host/DATABASE)")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw .invalidURL(
                        text,
                        why: "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            default:
                throw .invalidURL(text, why: "rekey reads only the sslmode parameter, not '\(item.name)'")
            }
        }
        self.init(
            user: user.removingPercentEncoding ?? user, host: host, port: components.port ?? 5432,
            database: database.removingPercentEncoding ?? database, sslMode: sslMode)
    }

    /// The URL as messages show it (there is never a password in it).
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let query = sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)"
        return "postgres://\(user)@\(hostPart):\(port)/\(database)\(query)"
    }

    /// `text` with any password between `user:` and `@` replaced, for an error about a URL
    /// that could not be parsed.
    static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else {
            return text
        }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
