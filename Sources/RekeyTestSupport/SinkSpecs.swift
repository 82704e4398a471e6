// Sink specs for tests, with a fixed source location.

import RekeyModel

public func fileSpec(
    _ path: String, id: String = "file", trailingNewline: Bool = false, mode: UInt16? = nil
) -> SinkSpec {
    SinkSpec(id: id, kind: .file, path: path, mode: mode, trailingNewline: trailingNewline, location: testLocation)
}

public func envSpec(_ path: String, key: String?, id: String = "env", mode: UInt16? = nil) -> SinkSpec {
    SinkSpec(id: id, kind: .envFile, path: path, key: key, mode: mode, location: testLocation)
}

public let testLocation = SourceLocation(file: "test.yaml", line: 1, column: 1)
