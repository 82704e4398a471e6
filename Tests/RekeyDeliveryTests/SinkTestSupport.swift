// Shared helpers for the sink tests: stat, directory listing, running bash/python on a
// file, building specs.

import Foundation

@testable import RekeyModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct StatResult: Equatable {
    var mode: UInt16
    var uid: UInt32
    var gid: UInt32
    var isSymlink: Bool
}

func statOf(_ path: String, followLinks: Bool = true) -> StatResult? {
    var st = stat()
    let rc = followLinks ? stat(path, &st) : lstat(path, &st)
    guard rc == 0 else { return nil }
    return StatResult(
        mode: UInt16(st.st_mode & 0o7777), uid: UInt32(st.st_uid), gid: UInt32(st.st_gid),
        isSymlink: st.st_mode & 0o170000 == 0o120000)
}

func chownPath(_ path: String, uid: UInt32, gid: UInt32) {
    precondition(chown(path, uid_t(uid), gid_t(gid)) == 0, "chown failed")
}

func chmodPath(_ path: String, _ mode: UInt16) {
    precondition(chmod(path, mode_t(mode)) == 0, "chmod failed")
}

func entries(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

func contents(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
}

/// Runs a program found on PATH with a small environment; returns exit status and stdout.
func runTool(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var env = [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    ]
    if let pyenvRoot = ProcessInfo.processInfo.environment["PYENV_ROOT"] { env["PYENV_ROOT"] = pyenvRoot }
    if let home = ProcessInfo.processInfo.environment["HOME"] { env["HOME"] = home }
    env.merge(environment) { _, new in new }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// Whether `python3 -c 'import dotenv'` works here.
let pythonDotenvAvailable: Bool = {
    (try? runTool(["python3", "-c", "import dotenv"]).status) == 0
}()

/// NUL-separated stdout as strings.
func nulSeparated(_ data: Data) -> [String] {
    data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
}
