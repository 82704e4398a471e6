// The latest count and hash of the chain, kept outside the database (`audit.head`), so a
// truncated log shows: `audit verify` compares the chain's end with it.

import Foundation
import RekeyDelivery

/// The latest count and hash, kept outside the database so truncation shows.
public struct AuditHead: Sendable, Hashable {
    public var count: Int64
    public var hash: String

    public init(count: Int64, hash: String) {
        self.count = count
        self.hash = hash
    }

    func write(to path: String) {
        let text = "\(count) \(hash)\n"
        _ = try? DurableFileWriter().replaceContents(of: path, with: Array(text.utf8), newFile: NewFileAttributes())
    }

    static func read(from path: String) -> AuditHead? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let count = Int64(parts[0]) else { return nil }
        return AuditHead(count: count, hash: String(parts[1]))
    }
}
