import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyDelivery
@testable import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SinkPreflightTests {
    let root = ProcessIdentity(uid: 0, gid: 0)
    let appUser = ProcessIdentity(uid: 1000, gid: 1000, supplementaryGroups: [50])

    @Test func writableSinksHaveNoProblemsAndTheProbeLeavesNothingBehind() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("app.env", "# c\nK='old'\n")
        let sinks = [fileSpec(dir.file("key")), envSpec(dir.file("app.env"), key: "K")]
        #expect(SinkPreflight(identity: root).problems(for: sinks).isEmpty)
        #expect(entries(dir.path) == ["app.env"])
    }

    @Test func everyProblemOfEverySinkIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let link = dir.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir.file("gone"))
        try dir.write("broken.env", "A='open\n")
        let sinks = [
            fileSpec(link, id: "dangling"),
            fileSpec(dir.file("missing/key"), id: "no-dir"),
            envSpec(dir.file("x.env"), key: "BAD-KEY", id: "bad-key"),
            envSpec(dir.file("broken.env"), key: "K", id: "malformed"),
            SinkSpec(
                id: "nobody", kind: .file, path: dir.file("k2"), owner: "no-such-user-rekey", location: testLocation),
        ]
        let problems = SinkPreflight(identity: root).problems(for: sinks)
        #expect(
            problems == [
                SinkProblem(sinkID: "dangling", error: .danglingSymlink(path: link, target: dir.file("gone"))),
                SinkProblem(sinkID: "no-dir", error: .directoryMissing(directory: dir.file("missing"))),
                SinkProblem(sinkID: "bad-key", error: .invalidEnvKey(path: dir.file("x.env"), key: "BAD-KEY")),
                SinkProblem(
                    sinkID: "malformed",
                    error: .malformedEnvFile(
                        path: dir.file("broken.env"), line: 1, reason: "a single quote that is never closed")),
                SinkProblem(sinkID: "nobody", error: .unknownOwner(name: "no-such-user-rekey")),
            ])
        #expect(problems[0].description.hasPrefix("sink dangling: "))
    }

    @Test func anUnwritableDirectoryIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Tests run as root, which ignores permission bits: simulate EACCES at the probe.
        let problems = SinkPreflight(identity: root, hook: .fail(at: .create, errno: EACCES))
            .problems(for: [fileSpec(dir.file("key"))])
        #expect(problems == [SinkProblem(sinkID: "file", error: .permissionDenied(path: dir.path, step: .create))])
        #expect(entries(dir.path).isEmpty)
    }

    @Test func aFullDiskIsReportedBeforeAnyVendorCall() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let problems = SinkPreflight(identity: root, hook: .fail(at: .write, errno: ENOSPC))
            .problems(for: [fileSpec(dir.file("key"))])
        #expect(problems == [SinkProblem(sinkID: "file", error: .diskFull(path: dir.path, step: .write))])
        #expect(entries(dir.path).isEmpty)
    }

    @Test func anOwnerThisProcessCannotGiveIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("key", "old")
        chownPath(path, uid: 1234, gid: 1234)
        let problems = SinkPreflight(identity: appUser).problems(for: [fileSpec(path)])
        #expect(
            problems == [
                SinkProblem(sinkID: "file", error: .cannotReproduceOwnership(path: path, uid: 1234, gid: 1234))
            ])
        // Root could keep that owner, but adopts another user's file only when the sink names it.
        #expect(
            SinkPreflight(identity: root).problems(for: [fileSpec(path)]) == [
                SinkProblem(sinkID: "file", error: .unsafeOwnership(.fileOfAnotherUser(path: path, uid: 1234)))
            ])
        var named = fileSpec(path)
        named.owner = "1234"
        #expect(SinkPreflight(identity: root).problems(for: [named]).isEmpty)
    }

    @Test func aFileOwnedByUsInOneOfOurGroupsIsFine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("key", "old")
        chownPath(path, uid: 1000, gid: 50)
        #expect(SinkPreflight(identity: appUser).problems(for: [fileSpec(path)]).isEmpty)
    }

    @Test func identityRulesFollowChown() {
        #expect(root.canAssign(uid: 5, gid: 6))
        #expect(appUser.canAssign(uid: 1000, gid: 1000))
        #expect(appUser.canAssign(uid: 1000, gid: 50))
        #expect(!appUser.canAssign(uid: 1000, gid: 51))
        #expect(!appUser.canAssign(uid: 1001, gid: 1000))
    }
}
