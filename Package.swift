// swift-tools-version: 6.2
//
// rekey's layers are SwiftPM targets, so a back-edge is a compile error (CONTRIBUTING.md,
// "Layout"). Each target lists only the layers beneath it:
//
//   RekeyModel ─┬─ RekeyJobFiles ── RekeyConfig
//               ├─ RekeyDelivery ─┬─ RekeyAudit ─┬─ RekeySchedule
//               │                 │              └─ RekeyPostgresStore (fleet mode: the PostgreSQL log)
//               │                 ├─ RekeyEffects
//               │                 └─ RekeyRemoteSinks (Vault KV, AWS Secrets Manager, SigV4)
//               └─ RekeyVendor
//   (Delivery owns the durable file writer; the audit head and the state directory use it.)
//   RekeyRunner (rotation, recovery, the run) uses all of the above;
//   RekeyReporting (plan, report, metrics, summaries) renders what Schedule and Runner produce;
//   the `rekey` executable parses, makes one library call, prints.
import PackageDescription

let package = Package(
    name: "rekey",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rekey", targets: ["rekey"]),
        .executable(name: "rekey-bench", targets: ["rekey-bench"]),
        .library(name: "RekeyRunner", targets: ["RekeyRunner"]),
        .library(name: "RekeyReporting", targets: ["RekeyReporting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The vocabulary: jobs, policies, durations, windows, `Secret`, clock, randomness, exit status.
        .target(name: "RekeyModel"),
        // Defensive YAML reading, the node-walk validator, diagnostics, the loader.
        .target(
            name: "RekeyJobFiles",
            dependencies: [
                "RekeyModel", .product(name: "Yams", package: "Yams"),
                // SHA-256 keys of the job-file cache.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // rekey.yaml, path resolution, the workspace.
        .target(name: "RekeyConfig", dependencies: ["RekeyModel", "RekeyJobFiles"]),
        // The append-only, hash-chained audit log: reader and writer protocols, SQLite, verify.
        .target(
            name: "RekeyAudit",
            dependencies: [
                "RekeyModel", "RekeyDelivery",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API under GRDB: `audit verify` reads column bytes without copying them.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Job history, `Scheduler.decide` and the one function that derives a job's state.
        .target(
            name: "RekeySchedule",
            dependencies: ["RekeyModel", "RekeyAudit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // HTTP transport, retries, failure classification, the rotation call, the providers.
        .target(
            name: "RekeyVendor",
            dependencies: [
                "RekeyModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Sinks, their preflight, and the spool.
        .target(name: "RekeyDelivery", dependencies: ["RekeyModel"]),
        // Sinks over the network: Vault/OpenBao KV v2, AWS Secrets Manager (SigV4, AWS
        // credentials), and the writer that routes each sink to its store.
        .target(
            name: "RekeyRemoteSinks",
            dependencies: [
                "RekeyModel", "RekeyDelivery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // prctl and friends, which Swift cannot call (variadic C).
        .target(name: "CRekeySystem"),
        // Hooks, locks, the state directory, stop signals, process hardening.
        .target(
            name: "RekeyEffects",
            dependencies: [
                "RekeyModel", "RekeyDelivery", "CRekeySystem",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Fleet mode's store: the PostgreSQL audit log (same events, chain and state table as
        // SQLite), its URL and password lookup, the fleet key and what derives from it.
        .target(
            name: "RekeyPostgresStore",
            dependencies: [
                "RekeyModel", "RekeyAudit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The rotation stages, recovery, adopt, baseline, the run and its environment.
        .target(
            name: "RekeyRunner",
            dependencies: [
                "RekeyModel", "RekeyJobFiles", "RekeyConfig", "RekeyAudit", "RekeySchedule",
                "RekeyVendor", "RekeyDelivery", "RekeyRemoteSinks", "RekeyEffects", "RekeyPostgresStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What operators read: plan, audit report, event listing, Prometheus, run summaries.
        .target(
            name: "RekeyReporting",
            dependencies: ["RekeyModel", "RekeyDelivery", "RekeyAudit", "RekeySchedule", "RekeyRunner"]
        ),
        .target(
            name: "RekeySandbox",
            dependencies: [
                "RekeyModel", "RekeyConfig", "RekeyRunner", "RekeyReporting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "RekeyTestSupport",
            dependencies: ["RekeyRunner", "RekeySandbox"]
        ),
        .executableTarget(
            name: "rekey",
            dependencies: [
                "RekeyRunner", "RekeyReporting", "RekeySandbox", "RekeyPostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "rekey-bench",
            dependencies: ["RekeyRunner", "RekeyReporting", "RekeySandbox", "RekeyTestSupport"]
        ),
        .testTarget(name: "RekeyModelTests", dependencies: ["RekeyModel"]),
        .testTarget(name: "RekeyJobFilesTests", dependencies: ["RekeyJobFiles", "RekeyTestSupport"]),
        .testTarget(name: "RekeyConfigTests", dependencies: ["RekeyConfig", "RekeyTestSupport"]),
        .testTarget(name: "RekeyAuditTests", dependencies: ["RekeyAudit", "RekeyTestSupport"]),
        .testTarget(
            name: "RekeyPostgresStoreTests",
            dependencies: ["RekeyPostgresStore", "RekeyAudit", "RekeySchedule", "RekeyModel", "RekeyTestSupport"]),
        .testTarget(name: "RekeyScheduleTests", dependencies: ["RekeySchedule", "RekeyTestSupport"]),
        .testTarget(name: "RekeyVendorTests", dependencies: ["RekeyVendor", "RekeyTestSupport", "RekeySandbox"]),
        .testTarget(name: "RekeyDeliveryTests", dependencies: ["RekeyDelivery", "RekeyTestSupport"]),
        .testTarget(
            name: "RekeyRemoteSinksTests",
            dependencies: [
                "RekeyRemoteSinks", "RekeyRunner", "RekeyTestSupport", "RekeyModel", "RekeyDelivery", "RekeyAudit",
                "RekeyVendor",
            ]),
        .testTarget(name: "RekeyEffectsTests", dependencies: ["RekeyEffects", "RekeyTestSupport"]),
        .testTarget(
            name: "RekeyRunnerTests",
            dependencies: ["RekeyRunner", "RekeyReporting", "RekeyTestSupport", "RekeySandbox", "RekeyPostgresStore"]),
        .testTarget(name: "RekeyReportingTests", dependencies: ["RekeyReporting", "RekeyTestSupport"]),
        .testTarget(name: "RekeySandboxTests", dependencies: ["RekeySandbox", "RekeyTestSupport"]),
        // The fleet kill loop reads the PostgreSQL log in-process while a host is frozen.
        .testTarget(name: "rekeyTests", dependencies: ["RekeyTestSupport", "RekeyPostgresStore"]),
    ],
    swiftLanguageModes: [.v6]
)
