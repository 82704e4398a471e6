import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyJobFiles

/// The memoizing resolver the cross-job checks use gives `ResolvedPath.resolve`'s answer for
/// every kind of path: a file, a missing file, a missing directory, a symlinked file, a
/// dangling link, a file under a symlinked directory, the root's children.
@Suite struct ResolvedPathTests {
    @Test func theResolverAgreesWithAFullResolutionForEveryKindOfPath() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let base = ResolvedPath.resolve(dir.path)
        try dir.write("real/file", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.file("linkdir"), withDestinationPath: base + "/real")
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("real/link"), withDestinationPath: base + "/real/file")
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("real/dangling"), withDestinationPath: base + "/nope")
        let paths =
            [
                "real/file", "real/missing", "missing-dir/file", "real/link", "real/dangling", "linkdir/file",
                "linkdir/missing", "linkdir/link",
            ].map { dir.file($0) } + ["/etc", "/nonexistent-\(UUID().uuidString)", "/tmp/x/y/z"]
        let resolver = ResolvedPath.Resolver()
        for path in paths + paths {
            #expect(resolver.resolve(path) == ResolvedPath.resolve(path), "\(path)")
        }
        #expect(ResolvedPath.directory(of: "/a/b/c.yaml") == "/a/b")
        #expect(ResolvedPath.directory(of: "/c.yaml") == "/")
        #expect(ResolvedPath.directory(of: "c.yaml") == ".")
    }
}
