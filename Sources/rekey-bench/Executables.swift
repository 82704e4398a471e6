// Finds the programs the baselines run (python3, sqlite3) on $PATH.

import Foundation

enum Executables {
    /// The first executable named `name` on $PATH, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static var python3: String? { find("python3") }
}
