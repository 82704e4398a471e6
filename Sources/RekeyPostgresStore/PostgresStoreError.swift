// What can go wrong with the PostgreSQL store, each saying what to do next. A message names
// the database by its URL, which never holds a password (`PostgresURL`), and carries the
// server's own message, never the statement's arguments.

import Foundation
import PostgresNIO

public enum PostgresStoreError: Error, LocalizedError, CustomStringConvertible {
    case invalidURL(String, why: String)
    /// Connecting, or a statement, failed.
    case database(PostgresURL, doing: String, why: String)
    /// The schema is newer than this rekey knows.
    case schemaTooNew(PostgresURL, found: Int, known: Int)
    /// The chain-head row does not match the events: rows were deleted or rewritten.
    case chainBroken(PostgresURL, why: String)
    /// The chain-head row does not carry this key's MAC.
    case headNotAuthentic(PostgresURL)
    /// This host's copy of the highest head it has seen does not carry this key's MAC.
    case localHeadNotAuthentic(String)
    /// `audit migrate` found events in its target.
    case notEmpty(PostgresURL, events: Int64)

    public var description: String {
        switch self {
        case .invalidURL(let url, let why):
            "invalid database URL \(url): \(why)"
        case .database(let url, let doing, let why) where doing == "connecting":
            "PostgreSQL \(url): connecting failed: \(why). Check that the server is up, the user may connect (PGPASSWORD or ~/.pgpass), and sslmode matches the server"
        case .database(let url, let doing, let why):
            "PostgreSQL \(url): \(doing) failed: \(why)"
        case .schemaTooNew(let url, let found, let known):
            "the audit schema in \(url) is version \(found), newer than this rekey knows (\(known)): upgrade rekey on this host"
        case .chainBroken(let url, let why):
            "refusing to append to the audit log in \(url): \(why). Restore the database from a backup and run `rekey audit verify`; rekey will not extend a damaged log"
        case .headNotAuthentic(let url):
            "refusing to append to the audit log in \(url): its chain head is not signed by this fleet key (edited by hand, or fleet.key differs from the one that wrote it). Use the fleet key the other hosts use, then run `rekey audit verify`"
        case .localHeadNotAuthentic(let path):
            "refusing to append: \(path), this host's record of the highest chain head it has seen, is not signed by this fleet key (edited by hand, or fleet.key was replaced). Restore it from a backup (or, accepting that this host then cannot tell whether events it saw were deleted, remove it), then run `rekey audit verify`"
        case .notEmpty(let url, let events):
            "refusing to migrate into \(url): it already holds \(events) audit events. Migrate into a new, empty database (CREATE DATABASE …), never into a fleet's live log"
        }
    }

    public var errorDescription: String? { description }

    /// Wraps a postgres-nio error: the server's message and SQLSTATE, or the client's error
    /// code — never postgres-nio's debug description, which includes the statement's binds.
    static func wrap(_ error: any Error, url: PostgresURL, doing: String) -> PostgresStoreError {
        if let error = error as? PostgresStoreError { return error }
        // A refusal thrown inside a transaction comes back wrapped by postgres-nio.
        if let transaction = error as? PostgresTransactionError,
            let refusal = transaction.closureError as? PostgresStoreError
        {
            return refusal
        }
        return .database(url, doing: doing, why: reason(error))
    }

    static func reason(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return reason(inner)
            }
            return "the transaction failed"
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            // A connection error's cause (refused, timed out, TLS): NIO's own errors, which
            // carry addresses, never credentials.
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if error is PostgresStoreError { return "\(error)" }
        return String(describing: type(of: error))
    }
}
