// The file sink: the secret alone in a file, optionally followed by one newline.

import RekeyModel

public struct FileSink: SecretSink {
    /// A credential file is small; anything bigger is a wrong path.
    public static let sizeLimit = 64 * 1024

    public let spec: SinkSpec
    let writer: DurableFileWriter

    public init(spec: SinkSpec, writer: DurableFileWriter = DurableFileWriter()) {
        self.spec = spec
        self.writer = writer
    }

    public func write(_ secret: Secret) throws(SinkError) {
        let value = secret.revealed
        // Reading back trims one trailing newline, so a secret that itself ends in one (or is
        // empty) would not come back identical.
        if value.isEmpty {
            throw .valueNotRepresentable(path: spec.path, key: nil, rule: "is empty")
        }
        if let last = value.unicodeScalars.last, last == "\n" || last == "\r" {
            throw .valueNotRepresentable(path: spec.path, key: nil, rule: "ends with a line break")
        }
        let bytes = Array((spec.trailingNewline ? value + "\n" : value).utf8)
        try writer.replaceContents(of: spec.path, with: bytes, newFile: NewFileAttributes(spec: spec))
    }

    public func read() throws(SinkError) -> Secret {
        try Self.read(path: spec.path)
    }

    /// The file's content without one trailing newline (`\n` or `\r\n`).
    public static func read(path: String, limit: Int = sizeLimit) throws(SinkError) -> Secret {
        var scalars = try SinkPath.readText(path, limit: limit).unicodeScalars
        // Scalars, not Characters: "\r\n" is one Character and would hide the "\n".
        if scalars.last == "\n" {
            scalars.removeLast()
            if scalars.last == "\r" { scalars.removeLast() }
        }
        return Secret(String(scalars))
    }
}
