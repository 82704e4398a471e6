import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyDelivery
@testable import RekeyModel

@Suite struct EnvFileSinkTests {
    /// Values every reader must see exactly as written.
    static let awkwardValues: [String] = [
        "plain-ABC_123",
        "with spaces inside",
        "  leading and trailing spaces  ",
        "dollar $HOME and $(id) and $",
        "back`tick`",
        "double \"quotes\"",
        "a \\ lone backslash, \\another",
        "\\n is not a newline",
        "hash # not a comment",
        "#starts-with-hash",
        "equals=in=value==",
        "unicode é € 😀 ñ",
        "shell ; & | < > ( ) * ? ! ~ %h",
        "base64+/AbC==",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-_",
    ]

    @Test func otherLinesCommentsBlankLinesAndOrderAreKept() throws {
        let existing = """
            # app settings
            DB_HOST=db.local

            export API_KEY="old"   # rotated by rekey
              # indented comment
            OTHER='x' # trailing
            LAST=1
            """
        let rendered = try EnvFileSink.render(existing: existing, key: "API_KEY", quotedValue: "'new'", path: "f")
        #expect(
            rendered == """
                # app settings
                DB_HOST=db.local

                export API_KEY='new'
                  # indented comment
                OTHER='x' # trailing
                LAST=1
                """)
    }

    @Test func theKeyIsAppendedWhenAbsent() throws {
        #expect(try EnvFileSink.render(existing: "A=1\n", key: "K", quotedValue: "'v'", path: "f") == "A=1\nK='v'\n")
        #expect(try EnvFileSink.render(existing: "A=1", key: "K", quotedValue: "'v'", path: "f") == "A=1\nK='v'\n")
        #expect(try EnvFileSink.render(existing: nil, key: "K", quotedValue: "'v'", path: "f") == "K='v'\n")
        // A similar name is not the key.
        #expect(
            try EnvFileSink.render(existing: "KEY2=1\nexportK=2\n", key: "K", quotedValue: "'v'", path: "f")
                == "KEY2=1\nexportK=2\nK='v'\n")
    }

    @Test func everyAssignmentOfARepeatedKeyIsReplaced() throws {
        let rendered = try EnvFileSink.render(
            existing: "K=old1\nA=1\n  export K='old2'\n", key: "K", quotedValue: "'v'", path: "f")
        #expect(rendered == "K='v'\nA=1\n  export K='v'\n")
    }

    @Test func aMultiLineQuotedOldValueIsReplacedWhole() throws {
        let rendered = try EnvFileSink.render(
            existing: "K='line1\nline2'\nA=\"x\ny\"\nB=2\n", key: "K", quotedValue: "'v'", path: "f")
        #expect(rendered == "K='v'\nA=\"x\ny\"\nB=2\n")
        // A continuation line of another key's value that looks like an assignment is not one.
        let other = try EnvFileSink.render(existing: "A='x\nK=fake'\n", key: "K", quotedValue: "'v'", path: "f")
        #expect(other == "A='x\nK=fake'\nK='v'\n")
    }

    @Test func crlfLineEndingsAreKept() throws {
        let rendered = try EnvFileSink.render(
            existing: "A=1\r\nK=old\r\nB=2\r\n", key: "K", quotedValue: "'v'", path: "f")
        #expect(rendered == "A=1\r\nK='v'\r\nB=2\r\n")
        #expect(
            try EnvFileSink.render(existing: "A=1\r\n", key: "K", quotedValue: "'v'", path: "f") == "A=1\r\nK='v'\n")
    }

    @Test func anUnterminatedQuoteIsAMalformedFileNotARewrite() {
        #expect(throws: SinkError.malformedEnvFile(path: "f", line: 2, reason: "a single quote that is never closed")) {
            try EnvFileSink.render(existing: "A=1\nB='open\nC=3\n", key: "K", quotedValue: "'v'", path: "f")
        }
    }

    @Test func aNewEnvFileIs0600AndHoldsOneQuotedLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("app.env")
        try EnvFileSink(spec: envSpec(path, key: "API_KEY")).write(Secret("abc"))
        #expect(contents(path) == "API_KEY='abc'\n")
        #expect(statOf(path)?.mode == 0o600)
    }

    @Test func writingKeepsTheExistingFilesModeAndOtherLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("app.env", "# c\nA=1\nAPI_KEY=old\n")
        chmodPath(path, 0o640)
        chownPath(path, uid: 1234, gid: 1234)
        try EnvFileSink(spec: envSpec(path, key: "API_KEY")).write(Secret("new"))
        #expect(contents(path) == "# c\nA=1\nAPI_KEY='new'\n")
        #expect(statOf(path) == StatResult(mode: 0o640, uid: 1234, gid: 1234, isSymlink: false))
    }

    @Test(arguments: [
        ("it's", "contains a single quote"),
        ("line\nbreak", "contains a control character"),
        ("tab\there", "contains a control character"),
        ("nul\u{0}", "contains a control character"),
        ("cr\r", "contains a control character"),
        ("two \\\\ backslashes", "contains two backslashes"),
        ("dollar ${BRACE}", "contains `${`"),
        ("ends with \\", "ends with a backslash"),
        ("", "is empty"),
    ])
    func aValueTheSchemeCannotCarryIsRejectedAndTheFileUntouched(value: String, rule: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("app.env", "API_KEY='old'\n")
        let error = #expect(throws: SinkError.self) {
            try EnvFileSink(spec: envSpec(path, key: "API_KEY")).write(Secret(value))
        }
        #expect(error?.needsRecovery == true)
        #expect(error?.description.contains(rule) == true)
        if !value.isEmpty { #expect(error?.description.contains(value) == false) }
        #expect(contents(path) == "API_KEY='old'\n")
    }

    @Test(arguments: ["", "1KEY", "BAD-KEY", "A B", "ÄKEY"])
    func anInvalidKeyIsRejected(key: String) {
        #expect(throws: SinkError.invalidEnvKey(path: "/x", key: key)) {
            try EnvFileSink(spec: envSpec("/x", key: key))
        }
    }

    @Test func aSpecWithoutAKeyIsRejected() {
        #expect(throws: SinkError.invalidEnvKey(path: "/x", key: "")) { try EnvFileSink(spec: envSpec("/x", key: nil)) }
    }

    /// Writes every awkward value under its own key through the sink, then returns the file.
    func writeAwkwardValues(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("awkward.env")
        for (index, value) in Self.awkwardValues.enumerated() {
            try EnvFileSink(spec: envSpec(path, key: "K\(index)")).write(Secret(value))
        }
        return path
    }

    @Test func awkwardValuesReadBackIdenticallyThroughRekeysReader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try writeAwkwardValues(in: dir)
        for (index, value) in Self.awkwardValues.enumerated() {
            #expect(try EnvFileSink.readValue(path: path, key: "K\(index)").revealed == value)
        }
    }

    @Test func awkwardValuesReadBackIdenticallyThroughBash() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try writeAwkwardValues(in: dir)
        let names = Self.awkwardValues.indices.map { "\"$K\($0)\"" }.joined(separator: " ")
        let result = try runTool(["bash", "-c", "set -a; . \"$1\"; printf '%s\\0' \(names)", "bash", path])
        #expect(result.status == 0)
        #expect(nulSeparated(result.output).dropLast() == ArraySlice(Self.awkwardValues))
    }

    @Test(
        .enabled(if: pythonDotenvAvailable, "python-dotenv cannot be imported by python3 (pip install python-dotenv)"))
    func awkwardValuesReadBackIdenticallyThroughPythonDotenv() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try writeAwkwardValues(in: dir)
        let script = """
            import sys
            from dotenv import dotenv_values
            v = dotenv_values(sys.argv[1])
            sys.stdout.write("".join(v["K%d" % i] + "\\0" for i in range(int(sys.argv[2]))))
            """
        let result = try runTool(["python3", "-c", script, path, "\(Self.awkwardValues.count)"])
        #expect(result.status == 0)
        #expect(nulSeparated(result.output).dropLast() == ArraySlice(Self.awkwardValues))
    }

    static let environmentGenerator = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"

    /// systemd's env-file parser, reached through the environment.d generator (no PID 1
    /// needed). That generator also expands `$VAR`, which `EnvironmentFile=` does not, so
    /// values with `$` are left out here. Its output is shell-quoted; bash reads it back.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: environmentGenerator),
            "systemd's environment.d generator is not installed"))
    func awkwardValuesReadBackIdenticallyThroughSystemdsParser() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let values = Self.awkwardValues.filter { !$0.contains("$") }
        try FileManager.default.createDirectory(atPath: dir.file("environment.d"), withIntermediateDirectories: true)
        let path = dir.file("environment.d/10-rekey.conf")
        for (index, value) in values.enumerated() {
            try EnvFileSink(spec: envSpec(path, key: "K\(index)")).write(Secret(value))
        }
        let generated = try runTool(
            [Self.environmentGenerator], environment: ["XDG_CONFIG_HOME": dir.path, "HOME": dir.file("none")])
        #expect(generated.status == 0)
        let names = values.indices.map { "\"$K\($0)\"" }.joined(separator: " ")
        let script = String(decoding: generated.output, as: UTF8.self) + "\nprintf '%s\\0' \(names)"
        let result = try runTool(["bash", "-c", script])
        #expect(nulSeparated(result.output).dropLast() == ArraySlice(values))
    }

    @Test func readingHandlesTheFormsOperatorsWrite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(
            "app.env",
            """
            A='single $x \\ quoted'
            export B="double \\"q\\" \\\\ \\$ end"
            C=plain   # comment
            D=first
            D=second
            E="multi
            line"

            """)
        #expect(try EnvFileSink.readValue(path: path, key: "A").revealed == "single $x \\ quoted")
        #expect(try EnvFileSink.readValue(path: path, key: "B").revealed == "double \"q\" \\ $ end")
        #expect(try EnvFileSink.readValue(path: path, key: "C").revealed == "plain")
        #expect(try EnvFileSink.readValue(path: path, key: "D").revealed == "second")
        #expect(try EnvFileSink.readValue(path: path, key: "E").revealed == "multi\nline")
    }

    @Test(arguments: ["K=$OTHER", "K=\"$OTHER\"", "K=a\\b", "K=a b", "K = spaced", "K=a;b", "K= after"])
    func aValueWhoseMeaningDependsOnTheReaderIsNotGuessed(line: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("app.env", line + "\n")
        let error = #expect(throws: SinkError.self) { try EnvFileSink.readValue(path: path, key: "K") }
        guard case .unreadableValue = error else {
            Issue.record("expected unreadableValue, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("OTHER") == false)
    }

    @Test func aMissingKeyIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("app.env", "A=1\n")
        #expect(throws: SinkError.keyNotFound(path: path, key: "K")) { try EnvFileSink.readValue(path: path, key: "K") }
    }

    @Test func concurrentWritersOfDifferentKeysInOneFileLoseNoUpdate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("shared.env", "# shared\n")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask { try EnvFileSink(spec: envSpec(path, key: "K\(index)")).write(Secret("v\(index)")) }
            }
            try await group.waitForAll()
        }
        for index in 0..<16 {
            #expect(try EnvFileSink.readValue(path: path, key: "K\(index)").revealed == "v\(index)")
        }
        #expect(contents(path)?.hasPrefix("# shared\n") == true)
    }

    @Test func aSymlinkedEnvFileIsEditedThroughTheLink() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let real = try dir.write("real.env", "A=1\n")
        let link = dir.file("link.env")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try EnvFileSink(spec: envSpec(link, key: "K")).write(Secret("v"))
        #expect(contents(real) == "A=1\nK='v'\n")
        #expect(statOf(link, followLinks: false)?.isSymlink == true)
    }
}
