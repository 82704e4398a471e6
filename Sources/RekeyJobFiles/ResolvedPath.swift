// Where a path really leads once symlinks are resolved, so that two spellings of one
// file (`real/app.env` and `link/app.env` with `link` → `real`) are seen as one sink.
// A path that does not exist yet resolves through its nearest existing ancestor.

import Foundation
import Synchronization

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

    /// `path`'s directory, as `URL.deletingLastPathComponent` gives it, without a URL.
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Resolves many paths that share directories (every sink of a 10,000-file tick): each
    /// directory is resolved once, and a path whose last component is no symlink is its
    /// resolved directory plus that name — one `lstat` instead of a `realpath` walking every
    /// component. The same answers as `resolve`. Shared by the threads that load job files.
    package final class Resolver: Sendable {
        private let directories = Mutex<[String: String]>([:])

        package init() {}

        package func resolve(_ path: String) -> String {
            guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return ResolvedPath.resolve(path) }
            let name = path[path.index(after: slash)...]
            if name.isEmpty || name == "." || name == ".." { return ResolvedPath.resolve(path) }
            let parent = slash == path.startIndex ? "/" : String(path[..<slash])
            let resolvedParent: String
            if let known = directories.withLock({ $0[parent] }) {
                resolvedParent = known
            } else {
                // Outside the lock: two threads may both resolve a new directory, to one answer.
                resolvedParent = ResolvedPath.resolve(parent)
                directories.withLock { $0[parent] = resolvedParent }
            }
            let candidate = (resolvedParent == "/" ? "" : resolvedParent) + "/" + name
            var info = stat()
            if lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFLNK { return ResolvedPath.resolve(path) }
            return candidate
        }
    }
}
