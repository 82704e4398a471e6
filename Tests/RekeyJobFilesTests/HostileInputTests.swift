import Foundation
import RekeyJobFiles
import RekeyModel
import RekeyTestSupport
import Testing

/// Hostile job files end in a diagnostic — never a crash, a hang or unbounded memory.
@Suite struct HostileInputTests {
    static func diagnose(_ data: Data) throws -> [Diagnostic] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = FileManager.default.createFile(atPath: dir.file("job.yaml"), contents: data)
        let result = JobLoader.load(paths: [dir.path])
        #expect(result.jobs.isEmpty)
        return result.diagnostics.filter { $0.severity == .error }
    }

    static func expectRefused(_ data: Data, _ fragment: String) throws {
        let errors = try diagnose(data)
        #expect(errors.contains { $0.message.contains(fragment) }, "\(errors.prefix(3))")
    }

    @Test func anAliasBombIsRefused() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<20 {
            text +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        try Self.expectRefused(Data(text.utf8), "anchors and aliases")
    }

    @Test func deepNestingIsRefused() throws {
        try Self.expectRefused(Data(String(repeating: "[", count: 100_000).utf8), "nested too deeply")
        try Self.expectRefused(Data((String(repeating: "- ", count: 100_000) + "x\n").utf8), "nested too deeply")
        var indented = ""
        for depth in 0..<400 { indented += String(repeating: " ", count: depth) + "k\(depth):\n" }
        try Self.expectRefused(Data(indented.utf8), "nested too deeply")
    }

    @Test func aHugeFileIsRefusedWithoutReadingIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("huge.yaml")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<50 { handle.write(chunk) }
        try handle.close()
        let result = JobLoader.load(paths: [dir.path])
        #expect(result.diagnostics.contains { $0.message.contains("larger than 1 MiB") })
    }

    /// A named pipe or a directory where a job file should be: a diagnostic, never a run
    /// that waits forever for a writer.
    @Test func aFIFOOrADirectoryNamedLikeAJobFileIsRefusedWithoutWaiting() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(mkfifo(dir.file("pipe.yaml"), 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir.file("folder.yaml"), withIntermediateDirectories: false)
        let result = JobLoader.load(paths: [dir.path])
        #expect(result.jobs.isEmpty)
        #expect(result.errorCount == 2, "\(result.diagnostics)")
        #expect(result.diagnostics.allSatisfy { $0.message.hasPrefix("cannot read the file") }, "\(result.diagnostics)")
    }

    @Test func binaryInvalidUTF8AndEmptyFilesAreRefused() throws {
        try Self.expectRefused(Data([0x6e, 0x61, 0x00, 0x6d]), "binary")
        try Self.expectRefused(Data([0x6e, 0x61, 0xff, 0xfe, 0x0a]), "UTF-8")
        try Self.expectRefused(Data("  \n\n".utf8), "empty")
        try Self.expectRefused(Data("a: 1\n---\nb: 2\n".utf8), "invalid YAML")
    }

    @Test func aSyntaxErrorNeverEchoesItsLine() throws {
        let errors = try Self.diagnose(Data("credentials:\n  api_key: \"sk_live_SECRET\n  other: [unclosed\n".utf8))
        #expect(!errors.isEmpty)
        #expect(!errors.map(\.description).joined().contains("sk_live_SECRET"))
    }

    @Test func seededRandomBytesNeverCrashTheLoader() throws {
        let random = SeededRandomSource(seed: 99)
        for _ in 0..<200 {
            let count = Int(random.nextUnit() * 2000)
            let bytes = (0..<count).map { _ in UInt8(random.nextUInt64() & 0xff) }
            _ = try Self.diagnose(Data(bytes))
        }
    }

    @Test func mutatedExampleJobFilesAlwaysGiveJobsOrLocatedDiagnostics() throws {
        // Tests/RekeyJobFilesTests/<this file> → the repository's jobs/.
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("jobs")
        let sources = try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted().map {
            try Data(contentsOf: examples.appendingPathComponent($0))
        }
        #expect(sources.count == 3)
        let random = SeededRandomSource(seed: 2026)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for round in 0..<300 {
            var bytes = Array(sources[round % sources.count])
            switch round % 3 {
            case 0:
                for _ in 0..<3 {
                    bytes[Int(random.nextUnit() * Double(bytes.count))] = UInt8(random.nextUInt64() & 0x7f)
                }
            case 1:
                bytes = Array(bytes.prefix(Int(random.nextUnit() * Double(bytes.count))))
            default:
                var lines = String(decoding: bytes, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false)
                let a = Int(random.nextUnit() * Double(lines.count))
                let b = Int(random.nextUnit() * Double(lines.count))
                lines.swapAt(a, b)
                bytes = Array(lines.joined(separator: "\n").utf8)
            }
            _ = FileManager.default.createFile(atPath: dir.file("job.yaml"), contents: Data(bytes))
            let result = JobLoader.load(paths: [dir.path])
            #expect(!result.jobs.isEmpty || !result.diagnostics.isEmpty)
            for diagnostic in result.diagnostics {
                #expect(diagnostic.location.line >= 1 && diagnostic.location.column >= 1)
            }
        }
    }
}
