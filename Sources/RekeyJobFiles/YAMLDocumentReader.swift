// Reads one YAML file defensively: size cap, UTF-8 and binary checks, a nesting
// pre-scan (Yams composes recursively, so 100,000 nested brackets would overflow the
// stack), then composes and converts it. Hostile input becomes a diagnostic, never a
// crash, a hang or unbounded memory.

import Foundation
import RekeyModel
import Yams

package struct YAMLDocumentReader {
    /// Job and config files are small; anything larger is a mistake or an attack.
    package static let maximumFileSize = 1 << 20
    package static let maximumFlowDepth = 16
    package static let maximumIndentation = 160
    package static let maximumLeadingDashes = 16

    /// Reads and converts `path`, or returns nil with diagnostics saying why.
    package static func read(path: String, displayPath: String? = nil) -> (YAMLNode?, [Diagnostic]) {
        let shown = displayPath ?? path
        switch bytes(path: path, displayPath: shown) {
        case .success(let data): return parse(data: data, file: shown)
        case .failure(let problem): return (nil, [problem.diagnostic])
        }
    }

    /// Why a file could not be read.
    package struct ReadProblem: Error {
        package var diagnostic: Diagnostic
    }

    /// The file's bytes (at most one more than the size cap, so `parse` can refuse it).
    package static func bytes(path: String, displayPath: String? = nil) -> Result<Data, ReadProblem> {
        contents(path: path, displayPath: displayPath).map(\.bytes)
    }

    /// A file's bytes and its modification time, both from one open file (`fstat` of the
    /// descriptor read: a symlink is followed, as a ConfigMap's files are links).
    package struct Contents: Sendable {
        package var bytes: Data
        package var modified: Date
    }

    /// `bytes(path:)`, with the modification time of the file read. Plain system calls: a
    /// cron tick reads 10,000 of these, and a FileHandle plus a second `stat` of the path
    /// cost a third of that reading. Opened non-blocking (a FIFO is an error, not a hang) and
    /// never as a controlling terminal.
    package static func contents(path: String, displayPath: String? = nil) -> Result<Contents, ReadProblem> {
        let start = SourceLocation(file: displayPath ?? path, line: 1, column: 1)
        func failure(_ message: String, hint: String? = nil) -> Result<Contents, ReadProblem> {
            .failure(ReadProblem(diagnostic: Diagnostic(.error, start, message, hint: hint)))
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            return failure("cannot read the file", hint: "check that it exists and is readable")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return failure("cannot read the file: " + errorText()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return failure(
                "cannot read the file: it is not a regular file", hint: "name a plain file, or a link to one")
        }
        let modified = Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        let limit = maximumFileSize + 1
        var bytes = [UInt8](repeating: 0, count: min(max(Int(info.st_size), 0), maximumFileSize) + 1)
        var filled = 0
        while filled < limit {
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: min(bytes.count, limit - bytes.count)) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                readSome(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return failure("cannot read the file: " + errorText())
            }
            filled += count
        }
        return .success(Contents(bytes: Data(bytes[..<filled]), modified: modified))
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    package static func parse(data: Data, file: String) -> (YAMLNode?, [Diagnostic]) {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard data.count <= maximumFileSize else {
            return (
                nil,
                [
                    Diagnostic(
                        .error, start, "the file is larger than 1 MiB",
                        hint: "a job file is a few lines; split it or check that this is the right file")
                ]
            )
        }
        // Editors on Windows save UTF-8 with a byte-order mark, which the parser refuses.
        let data = data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
        if data.contains(0) {
            return (nil, [Diagnostic(.error, start, "the file is binary (it contains NUL bytes), not YAML")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            return (nil, [Diagnostic(.error, start, "the file is not valid UTF-8")])
        }
        if text.allSatisfy({ $0.isWhitespace }) {
            return (nil, [Diagnostic(.error, start, "the file is empty", hint: "remove it, or describe a job in it")])
        }
        if let problem = nestingProblem(in: text, file: file) {
            return (nil, [problem])
        }
        do {
            // The parser owns the anchors; keep it alive while converting so an anchored
            // node still reports its anchor (Yams holds anchors weakly in nodes).
            // `.basic`: rekey reads scalars itself (`YAMLNode`), so Yams need not resolve tags
            // with regular expressions to hash keys for its duplicate check, and an explicit
            // encoding spares a read of the whole environment per file.
            let parser = try Parser(yaml: text, resolver: .basic, encoding: .utf8)
            return try withExtendedLifetime(parser) {
                guard let root = try parser.singleRoot() else {
                    return (nil, [Diagnostic(.error, start, "the file holds no YAML document")])
                }
                var converter = YAMLNodeConverter(file: file)
                let node = converter.convert(root)
                return (converter.diagnostics.hasErrors ? nil : node, converter.diagnostics.diagnostics)
            }
        } catch let error as YamlError {
            return (nil, [diagnostic(for: error, file: file)])
        } catch {
            return (nil, [Diagnostic(.error, start, "cannot parse YAML: \(error)")])
        }
    }

    /// A YAML syntax error, without Yams' snippet of the offending line (it may hold a secret).
    package static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " \(context.text)" }
            return Diagnostic(.error, SourceLocation(file: file, line: mark.line, column: mark.column), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return YAMLDuplicateKey.diagnostic(keys: duplicates, first: context.mark, in: context.text, file: file)
        case .reader(let problem, _, _, _):
            return Diagnostic(.error, SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(problem)")
        default:
            return Diagnostic(.error, SourceLocation(file: file, line: 1, column: 1), "invalid YAML")
        }
    }

    /// A conservative lexical scan for nesting deeper than any job file needs: flow
    /// brackets, indentation and `- - -` runs. Quoted text and comments are skipped.
    package static func nestingProblem(in text: String, file: String) -> Diagnostic? {
        var flowDepth = 0
        var line = 1
        var column = 0
        var atLineStart = true
        var indentation = 0
        var dashes = 0
        var quote: UInt8?
        var inComment = false
        var previous: UInt8 = 0x20
        func problem(_ what: String) -> Diagnostic {
            Diagnostic(
                .error, SourceLocation(file: file, line: line, column: max(column, 1)),
                "the file is nested too deeply (\(what))", hint: "job files need only a few levels")
        }
        var bytes = Array(text.utf8).makeIterator()
        var pending: UInt8? = nil
        while let byte = pending ?? bytes.next() {
            pending = nil
            column += 1
            if byte == 0x0A {
                line += 1
                column = 0
                atLineStart = true
                indentation = 0
                dashes = 0
                inComment = false
                if quote == 0x27 || quote == 0x22, flowDepth == 0 { quote = nil }
                previous = byte
                continue
            }
            if inComment { continue }
            if let open = quote {
                if byte == 0x5C && open == 0x22 {  // backslash escape inside "…"
                    _ = bytes.next()
                    column += 1
                } else if byte == open {
                    quote = nil
                }
                previous = byte
                continue
            }
            if atLineStart {
                if byte == 0x20 {
                    indentation += 1
                    if indentation > maximumIndentation {
                        return problem("indentation over \(maximumIndentation) columns")
                    }
                    previous = byte
                    continue
                }
                if byte == 0x2D {  // "-" followed by a space is a block-sequence entry
                    let next = bytes.next()
                    column += 1
                    if next == 0x20 || next == 0x0A || next == nil {
                        dashes += 1
                        if dashes > maximumLeadingDashes {
                            return problem("more than \(maximumLeadingDashes) nested '- '")
                        }
                        if next == 0x0A {
                            pending = next
                            column -= 1
                        }
                        previous = 0x20
                        continue
                    }
                    atLineStart = false
                    if let next {
                        pending = next
                        column -= 1
                    }
                    previous = byte
                    continue
                }
                atLineStart = false
            }
            switch byte {
            case 0x23 where previous == 0x20 || previous == 0x09 || column == 1:
                inComment = true
            case 0x27, 0x22:
                if previous == 0x20 || previous == 0x5B || previous == 0x7B || previous == 0x2C || previous == 0x3A
                    || column == 1
                {
                    quote = byte
                }
            case 0x5B, 0x7B:
                flowDepth += 1
                if flowDepth > maximumFlowDepth { return problem("more than \(maximumFlowDepth) nested brackets") }
            case 0x5D, 0x7D:
                flowDepth = max(0, flowDepth - 1)
            default:
                break
            }
            previous = byte
        }
        return nil
    }
}

/// read(2), named apart from `YAMLDocumentReader.read(path:)`, which would shadow it there.
private func readSome(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
