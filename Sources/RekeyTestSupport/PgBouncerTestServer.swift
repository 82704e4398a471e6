// A pgbouncer in transaction pooling mode in front of the test cluster, started once per
// test process on a loopback port of its own: Debian's pgbouncer 1.18, the version whose
// transaction mode breaks named prepared statements and session-level advisory locks, so a
// suite run through it shows rekey uses neither. It runs as the `postgres` user (pgbouncer
// refuses root) under a watchdog shell that kills it when the test process exits (SIGKILL:
// its SIGTERM and SIGINT wait for clients and servers that may already be gone).

import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public final class PgBouncerTestServer: Sendable {
    public let port: Int

    init(port: Int) { self.port = port }

    static let program = "/usr/sbin/pgbouncer"

    private static let started = Mutex<Result<PgBouncerTestServer, any Error>?>(nil)

    /// The process's pgbouncer in front of `cluster`, started on first use.
    static func shared(for cluster: PostgresTestCluster) async -> PgBouncerTestServer? {
        (try? await LocalStoreServer.offPool { sharedNow(for: cluster) }) ?? nil
    }

    static func sharedNow(for cluster: PostgresTestCluster) -> PgBouncerTestServer? {
        guard
            SystemTestGate.available(
                FileManager.default.isExecutableFile(atPath: program), "pgbouncer not found (apt-get install pgbouncer)"
            )
        else { return nil }
        let result = started.withLock { started in
            if let started { return started }
            let result = Result { try start(cluster) }
            started = result
            return result
        }
        switch result {
        case .success(let server): return server
        case .failure(let error):
            _ = SystemTestGate.available(false, "pgbouncer did not start: \(error)")
            return nil
        }
    }

    /// Starts pgbouncer, again on another port when it could not listen on the first
    /// (`freePort()` races the test process's own loopback traffic).
    static func start(_ cluster: PostgresTestCluster) throws -> PgBouncerTestServer {
        var failure: Error = PostgresTestCluster.ClusterError(message: "pgbouncer did not start")
        for _ in 1...3 {
            do { return try startOnce(cluster) } catch { failure = error }
        }
        throw failure
    }

    static func startOnce(_ cluster: PostgresTestCluster) throws -> PgBouncerTestServer {
        let port = LocalStoreServer.freePort()
        let directory = cluster.directory
        let configuration = directory + "/pgbouncer.ini"
        // `auth_type = any`: every client logs in as the test role the databases name.
        let text = """
            [databases]
            * = host=127.0.0.1 port=\(cluster.port) user=\(PostgresTestCluster.role)
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = any
            pool_mode = transaction
            ignore_startup_parameters = extra_float_digits,options,application_name
            max_client_conn = 200
            default_pool_size = 20
            logfile = \(directory)/pgbouncer.log
            pidfile = \(directory)/pgbouncer.pid
            """
        try text.write(toFile: configuration, atomically: false, encoding: .utf8)
        let asPostgres = geteuid() == 0
        if asPostgres, let owner = getpwnam("postgres") {
            _ = chown(configuration, owner.pointee.pw_uid, owner.pointee.pw_gid)
        }
        let asOwner = asPostgres ? "/usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups" : ""
        let watchdog = """
            \(asOwner) "$1" "$2" >/dev/null 2>&1 </dev/null & child=$!
            trap 'kill -9 $child 2>/dev/null; exit 0' TERM INT
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.2; done
            kill -9 $child 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdog, "sh", program, configuration]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        ServerRegistry.shared.add(process)
        try PostgresTestCluster.waitUntilReady(
            binaries: cluster.binaries, port: port, log: directory + "/pgbouncer.log", user: PostgresTestCluster.role)
        return PgBouncerTestServer(port: port)
    }
}
