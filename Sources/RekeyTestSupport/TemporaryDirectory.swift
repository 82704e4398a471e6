// A fresh directory per test under the system temp dir, removed when the test is done.

import Foundation

public struct TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String = "rekey-test") throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A directory the caller names and keeps (created when missing), for benchmarks that
    /// reuse what a previous run left.
    public init(existing path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> String {
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: target, atomically: false, encoding: .utf8)
        return target.path
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs `body` with a fresh directory and removes it afterwards.
    public static func with<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        return try await body(dir)
    }
}
