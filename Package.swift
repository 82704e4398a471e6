// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "rekey",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rekey", targets: ["rekey"]),
        .executable(name: "rekey-bench", targets: ["rekey-bench"]),
        .library(name: "RekeyKit", targets: ["RekeyKit"]),
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
    ],
    targets: [
        .target(
            name: "RekeyKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "RekeySandbox",
            dependencies: [
                "RekeyKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "RekeyTestSupport",
            dependencies: ["RekeyKit", "RekeySandbox"]
        ),
        .executableTarget(
            name: "rekey",
            dependencies: [
                "RekeyKit",
                "RekeySandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "rekey-bench",
            dependencies: [
                "RekeyKit",
                "RekeySandbox",
                "RekeyTestSupport",
            ]
        ),
        .testTarget(
            name: "RekeyKitTests",
            dependencies: ["RekeyKit", "RekeyTestSupport", "RekeySandbox"]
        ),
        .testTarget(
            name: "RekeySandboxTests",
            dependencies: ["RekeySandbox", "RekeyTestSupport"]
        ),
        .testTarget(
            name: "rekeyTests",
            dependencies: ["RekeyTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
