// The file `rekey audit migrate` leaves in a SQLite state directory once its log lives in a
// fleet's PostgreSQL database: "migrated to <url>". A rotating command finds it and refuses
// to start (`FleetRunRefusal.migrated`); reading commands still read the old log.

import Foundation
import RekeyDelivery

public enum MigratedMarker {
    public static let fileName = "MIGRATED"

    public static func path(stateDirectory: String) -> String { stateDirectory + "/" + fileName }

    /// The URL the log was migrated to, or nil when the directory was not migrated.
    public static func read(stateDirectory: String) -> String? {
        let path = path(stateDirectory: stateDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let prefix = "migrated to "
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.hasPrefix(prefix)
            ? String(line.dropFirst(prefix.count)) : "another database (\(path) is unreadable)"
    }

    /// Writes the marker durably (a crash must not leave a migrated directory unmarked).
    static func write(stateDirectory: String, url: String) throws {
        try DurableFileWriter().replaceContents(
            of: path(stateDirectory: stateDirectory), with: Array("migrated to \(url)\n".utf8),
            newFile: NewFileAttributes(mode: 0o600))
    }
}
