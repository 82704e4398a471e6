// Where a path really leads once symlinks are resolved, so that two spellings of one
// file (`real/app.env` and `link/app.env` with `link` → `real`) are seen as one sink.
// A path that does not exist yet resolves through its nearest existing ancestor.

import Foundation

package enum ResolvedPath {
    /// `path` (absolute) with every symlink resolved: the file itself when it exists,
    /// else its nearest existing ancestor directory resolved, with the rest appended.
    package static func resolve(_ path: String) -> String {
        if let real = realPath(path) { return real }
        var rest: [String] = []
        var current = URL(fileURLWithPath: path)
        while current.path != "/" && !current.path.isEmpty {
            rest.insert(current.lastPathComponent, at: 0)
            current.deleteLastPathComponent()
            if let real = realPath(current.path) {
                return (real == "/" ? "" : real) + "/" + rest.joined(separator: "/")
            }
        }
        return path
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
