// The env-file sink: sets one `KEY='value'` in a file of many lines and leaves every other
// line, comment, blank line and their order as they were. Also reads the value back for
// `{sink: ID}` credential references.
//
// A key assigned more than once has every assignment replaced: shells and dotenv use the
// last one, so replacing only that would work, but it would leave the old (dead) secret in
// the file to mislead the next reader. Each replaced assignment keeps its own indentation
// and `export ` prefix; a key that is absent is appended as `KEY='value'`.

import RekeyModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct EnvFileSink: SecretSink {
    /// Env files are small; anything bigger is a wrong path.
    public static let sizeLimit = 1 << 20

    public let spec: SinkSpec
    public let key: String
    let writer: DurableFileWriter

    public init(spec: SinkSpec, writer: DurableFileWriter = DurableFileWriter()) throws(SinkError) {
        guard let key = spec.key, EnvFileSyntax.isValidKey(key) else {
            throw .invalidEnvKey(path: spec.path, key: spec.key ?? "")
        }
        self.spec = spec
        self.key = key
        self.writer = writer
    }

    public func write(_ secret: Secret) throws(SinkError) {
        let quoted: String
        switch EnvFileSyntax.quote(secret.revealed) {
        case .success(let value): quoted = value
        case .failure(let violation): throw .valueNotRepresentable(path: spec.path, key: key, rule: violation.rule)
        }
        try writer.checkOwnership(of: spec.path, newFile: NewFileAttributes(spec: spec))
        let target = try SinkPath.resolve(spec.path)
        // Two jobs may set different keys in one file: serialise read-modify-write per
        // directory (flock on the directory, which the rename does not replace), across
        // threads and processes alike.
        let lock = try DirectoryLock(target.directory)
        defer { lock.release() }
        let existing: String? = target.existing == nil ? nil : try SinkPath.readText(target.path, limit: Self.sizeLimit)
        let updated = try Self.render(existing: existing, key: key, quotedValue: quoted, path: spec.path)
        let attributes = try DurableFileWriter.attributes(for: target, newFile: NewFileAttributes(spec: spec))
        try writer.replace(target.path, with: Array(updated.utf8), attributes: attributes)
    }

    public func read() throws(SinkError) -> Secret {
        try Self.readValue(path: spec.path, key: key)
    }

    /// The value of the last assignment of `key` in the file at `path` (what a shell sees).
    public static func readValue(path: String, key: String) throws(SinkError) -> Secret {
        let text = try SinkPath.readText(path, limit: sizeLimit)
        let assignments: [EnvFileSyntax.Assignment]
        switch EnvFileSyntax.assignments(in: text) {
        case .success(let found): assignments = found
        case .failure(let malformed):
            throw .malformedEnvFile(path: path, line: malformed.line, reason: malformed.reason)
        }
        guard let last = assignments.last(where: { $0.key == key }) else { throw .keyNotFound(path: path, key: key) }
        switch last.value {
        case .success(let value): return Secret(value)
        case .failure(let unreadable): throw .unreadableValue(path: path, key: key, reason: unreadable.reason)
        }
    }

    /// The new file content: `existing` with every assignment of `key` replaced, or the key
    /// appended. Pure, so the line-keeping rules are tested without files.
    static func render(existing: String?, key: String, quotedValue: String, path: String) throws(SinkError) -> String {
        let text = existing ?? ""
        let assignments: [EnvFileSyntax.Assignment]
        switch EnvFileSyntax.assignments(in: text) {
        case .success(let found): assignments = found.filter { $0.key == key }
        case .failure(let malformed):
            throw .malformedEnvFile(path: path, line: malformed.line, reason: malformed.reason)
        }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var copied = 0
        for assignment in assignments {
            output.append(contentsOf: scalars[copied..<assignment.range.lowerBound])
            output.append(
                contentsOf: (assignment.prefix + key + "=" + quotedValue + assignment.terminator).unicodeScalars)
            copied = assignment.range.upperBound
        }
        output.append(contentsOf: scalars[copied...])
        var result = String(output)
        if assignments.isEmpty {
            // Compare scalars: "\r\n" is a single Character.
            if let last = result.unicodeScalars.last, last != "\n" { result += "\n" }
            result += key + "=" + quotedValue + "\n"
        }
        return result
    }
}

/// An exclusive flock on a directory, held for one read-modify-write.
struct DirectoryLock {
    let fd: Int32

    init(_ directory: String) throws(SinkError) {
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SinkError.from(errno: errno, path: directory, step: .inspect) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw SinkError.from(errno: code, path: directory, step: .inspect)
        }
    }

    func release() {
        close(fd)  // closing drops the lock
    }
}
