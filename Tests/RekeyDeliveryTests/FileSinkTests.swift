import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyDelivery
@testable import RekeyModel

@Suite struct FileSinkTests {
    @Test func theSecretIsWrittenAloneAnd0600() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("key")
        try FileSink(spec: fileSpec(path)).write(Secret("abc def"))
        #expect(contents(path) == "abc def")
        #expect(statOf(path)?.mode == 0o600)
        #expect(try FileSink.read(path: path).revealed == "abc def")
    }

    @Test func aTrailingNewlineIsAddedOnRequestAndTrimmedOnRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("key")
        let sink = FileSink(spec: fileSpec(path, trailingNewline: true))
        try sink.write(Secret("abc"))
        #expect(contents(path) == "abc\n")
        #expect(try sink.read().revealed == "abc")
    }

    @Test func readingTrimsExactlyOneLineBreak() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(try FileSink.read(path: dir.write("a", "v\r\n")).revealed == "v")
        #expect(try FileSink.read(path: dir.write("b", "v\n\n")).revealed == "v\n")
        #expect(try FileSink.read(path: dir.write("c", " v ")).revealed == " v ")
    }

    @Test(arguments: ["", "ends\n", "ends\r"])
    func aSecretThatWouldNotReadBackIdenticallyIsRejected(value: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = #expect(throws: SinkError.self) {
            try FileSink(spec: fileSpec(dir.file("key"))).write(Secret(value))
        }
        #expect(error?.needsRecovery == true)
        #expect(entries(dir.path).isEmpty)
    }

    @Test func aNewFileTakesTheSpecsMode() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("key")
        try FileSink(spec: fileSpec(path, mode: 0o440)).write(Secret("abc"))
        #expect(statOf(path)?.mode == 0o440)
    }

    @Test func theFactoryBuildsTheRightSink() throws {
        #expect(try fileSpec("/x").makeSink() is FileSink)
        #expect(try envSpec("/x", key: "K").makeSink() is EnvFileSink)
        #expect(throws: SinkError.self) { try envSpec("/x", key: nil).makeSink() }
    }

    @Test func aHugeFileIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("big", String(repeating: "x", count: 100))
        #expect(throws: SinkError.fileTooLarge(path: path, limit: 10)) { try FileSink.read(path: path, limit: 10) }
    }
}
