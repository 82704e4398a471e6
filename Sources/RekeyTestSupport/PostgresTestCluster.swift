// A private PostgreSQL cluster for the fleet-mode tests, started once per test process on a
// loopback port of its own (mirroring `LocalStoreServer`): `initdb` and `pg_ctl` from
// Debian's `postgresql` package, run as the `postgres` OS user (PostgreSQL refuses root) in
// a temporary directory that user owns, listening on 127.0.0.1 only, trust authentication
// for the test role. A watchdog stops it when the test process exits, even after a crash.
// Each test gets a database of its own (`makeDatabase()`); nothing is mocked.
// Under REKEY_REQUIRE_SYSTEM_TESTS=1 a missing PostgreSQL is a failure (SystemTestGate).

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public final class PostgresTestCluster: Sendable {
    /// The role the tests connect as (trust authentication: no password anywhere).
    public static let role = "rekey_test"

    public let port: Int
    public let directory: String
    let binaries: String

    init(port: Int, directory: String, binaries: String) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    /// The directory holding `initdb`, `pg_ctl` and `psql` (the newest installed major version).
    static var binaryDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "\(root)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
        }
    }

    /// The process's cluster, started on first use; nil (a skip) when PostgreSQL is not
    /// installed and system tests are not required.
    public static var shared: PostgresTestCluster? {
        get async { (try? await LocalStoreServer.offPool { sharedNow }) ?? nil }
    }

    static var sharedNow: PostgresTestCluster? {
        guard
            SystemTestGate.available(
                binaryDirectory != nil, "PostgreSQL not found under /usr/lib/postgresql (apt-get install postgresql)")
        else { return nil }
        switch sharedCluster {
        case .success(let cluster): return cluster
        case .failure(let error):
            _ = SystemTestGate.available(false, "PostgreSQL did not start: \(error)")
            return nil
        }
    }

    private static let sharedCluster = Result { try start() }

    /// A fresh, empty database on the shared cluster, as `postgres://rekey_test@127.0.0.1:PORT/NAME`.
    public func makeDatabase() throws -> String {
        let name = "rekey_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql(database: "postgres", "CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// `makeDatabase()` without holding a cooperative thread while psql runs.
    public func newDatabase() async throws -> String {
        try await OffPool.run { try self.makeDatabase() }
    }

    /// `psql(database:_:)` without holding a cooperative thread while psql runs.
    public func query(database: String, _ sql: String) async throws -> String {
        try await OffPool.run { try self.psql(database: database, sql) }
    }

    public func url(database: String) -> String {
        "postgres://\(Self.role)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Runs `sql` through psql as the test role; its output (tab-separated, no headers), or
    /// an error carrying psql's message.
    @discardableResult
    public func psql(database: String, _ sql: String) throws -> String {
        let (status, output) = try Self.run(
            binaries + "/psql",
            [
                "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)",
                "-U", Self.role, "-d", database, "-c", sql,
            ])
        guard status == 0 else { throw ClusterError(message: "psql: \(output)") }
        return output
    }

    /// The same database through the process's pgbouncer in transaction mode (nil, a skip,
    /// when pgbouncer is not installed and system tests are not required).
    public func throughPgBouncer(_ url: String) async -> String? {
        guard let bouncer = await PgBouncerTestServer.shared(for: self) else { return nil }
        return url.replacingOccurrences(of: ":\(port)/", with: ":\(bouncer.port)/")
    }

    /// The database name of a URL that `makeDatabase()` returned.
    public static func databaseName(of url: String) -> String {
        String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
    }

    struct ClusterError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Starts a cluster, again in a new directory on another port when one did not come up:
    /// a port `freePort()` found free can be taken before the server binds it (the test
    /// process opens loopback connections and binds sandboxes by the hundred meanwhile).
    /// `durable`: fsync as a production server does (the benchmark's cluster); the tests'
    /// runs without.
    public static func start(durable: Bool = false) throws -> PostgresTestCluster {
        var failure: Error = ClusterError(message: "PostgreSQL did not start")
        for _ in 1...3 {
            do { return try startOnce(durable: durable) } catch { failure = error }
        }
        throw failure
    }

    static func startOnce(durable: Bool) throws -> PostgresTestCluster {
        guard let binaries = binaryDirectory else { throw ClusterError(message: "no PostgreSQL binaries") }
        let directory = NSTemporaryDirectory() + "rekey-postgres-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
        let asPostgres = geteuid() == 0
        if asPostgres {
            guard let owner = getpwnam("postgres") else { throw ClusterError(message: "no postgres user") }
            guard chown(directory, owner.pointee.pw_uid, owner.pointee.pw_gid) == 0 else {
                throw ClusterError(message: "cannot chown \(directory) to postgres")
            }
        }
        func asOwner(_ program: String, _ arguments: [String]) throws {
            let (status, output) =
                asPostgres
                ? try run(
                    "/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", program] + arguments)
                : try run(program, arguments)
            guard status == 0 else { throw ClusterError(message: "\(program) failed: \(output)") }
        }
        let data = directory + "/data"
        try asOwner(
            binaries + "/initdb",
            ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        let port = LocalStoreServer.freePort()
        // Tests do not need durability across a machine crash: no fsync keeps them quick on a
        // shared, loaded disk (the code under test still asks for synchronous_commit = on).
        let options =
            "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c max_connections=200"
            + (durable ? "" : " -c fsync=off -c full_page_writes=off")
        try startWatchdog(binaries: binaries, data: data, options: options, asPostgres: asPostgres)
        try waitUntilReady(binaries: binaries, port: port, log: directory + "/log")
        let cluster = PostgresTestCluster(port: port, directory: directory, binaries: binaries)
        let (status, output) = try run(
            binaries + "/psql",
            [
                "-X", "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-c",
                "CREATE ROLE \(role) LOGIN SUPERUSER",
            ])
        guard status == 0 else { throw ClusterError(message: "cannot create the test role: \(output)") }
        return cluster
    }

    /// A shell that starts the cluster with `pg_ctl start` and stops it (immediate mode:
    /// nothing to keep) when told to, and when this test process is gone, even after a crash;
    /// registered to be told at exit. pg_ctl runs under the shell, never waited for by this
    /// process: the server it leaves running inherits the descriptors Foundation watches to
    /// see a child exit, so waiting for pg_ctl itself would never return.
    static func startWatchdog(binaries: String, data: String, options: String, asPostgres: Bool) throws {
        let asOwner = asPostgres ? "/usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups" : ""
        let watchdog = """
            stop() { \(asOwner) "$1/pg_ctl" -D "$2" -m immediate stop >/dev/null 2>&1; rm -rf "$5"; }
            trap 'stop "$@"; exit 0' TERM INT
            \(asOwner) "$1/pg_ctl" -D "$2" -o "$3" -l "$4" start >/dev/null 2>&1 </dev/null
            while kill -0 \(getpid()) 2>/dev/null; do sleep 0.2; done
            stop "$@"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let directory = URL(fileURLWithPath: data).deletingLastPathComponent().path
        process.arguments = ["-c", watchdog, "sh", binaries, data, options, directory + "/log", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        ServerRegistry.shared.add(process)
    }

    /// Polls `pg_isready` until the server accepts connections (two minutes at most: a loaded
    /// machine starts it slowly); a server that does not come up fails with its log.
    static func waitUntilReady(binaries: String, port: Int, log: String, user: String = "postgres") throws {
        let deadline = Date() + 120
        while Date() < deadline {
            let (status, _) = try run(
                binaries + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres"])
            if status == 0 { return }
            // A server that could not bind its port has stopped: no use waiting for it.
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                ["could not bind", "could not create any TCP/IP sockets", "Address already in use"].contains(
                    where: text.contains)
            {
                throw ClusterError(message: "PostgreSQL could not listen on port \(port): \(text)")
            }
            usleep(200_000)
        }
        let why = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log at \(log)"
        throw ClusterError(message: "PostgreSQL did not accept connections within 120 s: \(why)")
    }

    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
