// A user that exists for one system test: made with `useradd` (no home, no login shell),
// used through `setpriv` to act as someone other than rekey (plant a symlink, pre-create a
// file), removed with `userdel`. Needs root; gate with `ThrowawayUser.canCreate`.

import Foundation

public final class ThrowawayUser: Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32

    /// Root, setpriv and useradd/userdel.
    public static var canCreate: Bool {
        SystemTestGate.canSwitchUsers
            && ["/usr/sbin/useradd", "/usr/sbin/userdel"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: $0)
            }
    }

    public init() throws {
        name = "rekey-test-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try Self.tool("/usr/sbin/useradd", ["--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name])
        let ids = try Self.tool("/usr/bin/id", [name]).split(separator: " ")
        func number(_ prefix: String) -> UInt32? {
            ids.first { $0.hasPrefix(prefix) }.flatMap { UInt32($0.dropFirst(prefix.count).prefix { $0.isNumber }) }
        }
        guard let uid = number("uid="), let gid = number("gid=") else {
            _ = try? Self.tool("/usr/sbin/userdel", [name])
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "no uid for \(name)"])
        }
        self.uid = uid
        self.gid = gid
    }

    /// Runs `argv` as this user (no supplementary groups); returns its stdout.
    @discardableResult
    public func run(_ argv: [String]) throws -> String {
        try Self.tool("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] + argv)
    }

    /// Runs `argv` as this user with `groups` as its supplementary groups; returns its exit
    /// status and its stdout and stderr together.
    public func status(_ argv: [String], groups: [UInt32]) throws -> (status: Int32, output: String) {
        let groupArgument =
            groups.isEmpty ? "--clear-groups" : "--groups=" + groups.map(String.init).joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", groupArgument] + argv
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Removes the user (files it owns stay, and are removed with the test's directory).
    public func remove() {
        _ = try? Self.tool("/usr/sbin/userdel", [name])
    }

    @discardableResult
    static func tool(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [NSLocalizedDescriptionKey: "\(path) \(arguments) exited \(process.terminationStatus)"])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
