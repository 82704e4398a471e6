import Testing

@testable import RekeyDelivery

#if canImport(Glibc)
    import Glibc
#endif

/// A file tree described in memory, so the ownership rule is tested for any owner without root.
struct DescribedTree {
    private(set) var nodes: [String: FileStatus] = ["/": FileStatus(mode: 0o040755, uid: 0, gid: 0)]
    private(set) var links: [String: String] = [:]

    mutating func directory(_ path: String, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0o755) {
        nodes[path] = FileStatus(mode: 0o040000 | mode, uid: uid, gid: gid)
    }

    mutating func file(_ path: String, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0o600) {
        nodes[path] = FileStatus(mode: 0o100000 | mode, uid: uid, gid: gid)
    }

    mutating func link(_ path: String, to target: String, uid: UInt32 = 0) {
        nodes[path] = FileStatus(mode: 0o120777, uid: uid, gid: uid)
        links[path] = target
    }

    func rule(for identity: ProcessIdentity) -> PathOwnership {
        let nodes = nodes
        let links = links
        return PathOwnership(
            identity: identity,
            fileSystem: FileSystemView(
                lstat: { nodes[$0].map { .success($0) } ?? .failure(PosixErrno(ENOENT)) },
                readLink: { links[$0].map { .success($0) } ?? .failure(PosixErrno(EINVAL)) },
                currentDirectory: { "/" }))
    }
}

@Suite struct PathOwnershipTests {
    let root = ProcessIdentity(uid: 0, gid: 0)
    let rekeyUser = ProcessIdentity(uid: 1000, gid: 1000, supplementaryGroups: [2000])

    @Test func aSinkBelowRootOwnedDirectoriesIsSafe() {
        var tree = DescribedTree()
        tree.directory("/etc")
        tree.directory("/etc/app")
        tree.file("/etc/app/key", mode: 0o640)
        #expect(tree.rule(for: root).problems(forFile: "/etc/app/key").isEmpty)
        #expect(tree.rule(for: root).problems(forFile: "/etc/app/new.key").isEmpty)
    }

    @Test func aSinkInAStickyTmpSubdirectoryOfRekeysOwnUserIsSafe() {
        var tree = DescribedTree()
        tree.directory("/tmp", mode: 0o1777)
        tree.directory("/tmp/rekey", uid: 1000, gid: 1000, mode: 0o700)
        tree.file("/tmp/rekey/app.key", uid: 1000, gid: 1000)
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/tmp/rekey/app.key").isEmpty)
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/tmp/rekey/new.key").isEmpty)
    }

    @Test func aWorldWritableDirectoryWithoutTheStickyBitIsRefusedWithTheFix() {
        var tree = DescribedTree()
        tree.directory("/srv")
        tree.directory("/srv/shared", mode: 0o777)
        let problems = tree.rule(for: root).problems(forFile: "/srv/shared/app.key")
        #expect(problems == [.worldWritableNotSticky(directory: "/srv/shared")])
        #expect(problems[0].description.contains("chmod o-w,+t /srv/shared"))
    }

    @Test func anEntryBelowAStickyDirectoryMustBeRekeysOwnUnlessRootOwnsItAndNoOneElseCanWriteIt() {
        var tree = DescribedTree()
        tree.directory("/tmp", mode: 0o1777)
        tree.directory("/tmp/theirs", uid: 1001, gid: 1001)
        tree.directory("/tmp/roots")
        tree.link("/tmp/app.key", to: "/tmp/roots/app.key")
        #expect(
            tree.rule(for: root).problems(forFile: "/tmp/theirs/app.key") == [
                .directoryOfAnotherUser(directory: "/tmp/theirs", uid: 1001, rekeyUID: 0)
            ])
        // /tmp/roots is where the walk stops: root's, and no one else can write it.
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/tmp/roots/app.key").isEmpty)
        #expect(
            tree.rule(for: rekeyUser).problems(forFile: "/tmp/app.key") == [
                .entryOfAnotherUserInSharedDirectory(path: "/tmp/app.key", uid: 0, directory: "/tmp", rekeyUID: 1000)
            ])
    }

    @Test func groupWriteIsAllowedOnlyForRekeysOwnGroups() {
        var tree = DescribedTree()
        tree.directory("/data", gid: 2000, mode: 0o2775)
        tree.directory("/other", gid: 3000, mode: 0o775)
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/data/app.key").isEmpty)
        let problems = tree.rule(for: rekeyUser).problems(forFile: "/other/app.key")
        #expect(problems == [.groupWritableByAnotherGroup(directory: "/other", gid: 3000)])
        #expect(problems[0].description.contains("chmod g-w /other"))
    }

    @Test func aDirectoryOfAnotherUserIsRefusedWithTheFix() {
        var tree = DescribedTree()
        tree.directory("/srv")
        tree.directory("/srv/app", uid: 1001, gid: 1001)
        let problems = tree.rule(for: root).problems(forFile: "/srv/app/app.key")
        #expect(problems == [.directoryOfAnotherUser(directory: "/srv/app", uid: 1001, rekeyUID: 0)])
        #expect(problems[0].description.contains("chown root /srv/app"))
    }

    @Test func theWalkStopsAtTheFirstRootOwnedDirectoryOthersCannotWrite() {
        var tree = DescribedTree()
        tree.directory("/", mode: 0o777)  // above the first safe root directory: never looked at
        tree.directory("/srv")
        tree.directory("/srv/mine", uid: 1000, gid: 1000)
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/srv/mine/app.key").isEmpty)
        #expect(tree.rule(for: rekeyUser).problems(forFile: "/app.key") == [.worldWritableNotSticky(directory: "/")])
    }

    @Test func aSymlinkAnotherUserPlantedInASharedDirectoryIsNeverFollowed() {
        var tree = DescribedTree()
        tree.directory("/tmp", mode: 0o1777)
        tree.directory("/etc")
        tree.file("/etc/shadow", mode: 0o640)
        tree.link("/tmp/app.key", to: "/etc/shadow", uid: 1001)
        let problems = tree.rule(for: root).problems(forFile: "/tmp/app.key")
        #expect(problems == [.symlinkOfAnotherUser(path: "/tmp/app.key", uid: 1001)])
        #expect(problems[0].description.contains("Remove the symlink /tmp/app.key planted by uid 1001"))
    }

    @Test func everyLinkOfAChainAndTheDirectoriesOfItsTargetAreChecked() {
        var tree = DescribedTree()
        tree.directory("/etc")
        tree.directory("/srv")
        tree.directory("/srv/a")
        tree.directory("/srv/b", mode: 0o777)
        tree.link("/etc/app.key", to: "../srv/a/next")
        tree.link("/srv/a/next", to: "/srv/b/key", uid: 1001)
        tree.file("/srv/b/key")
        let problems = tree.rule(for: root).problems(forFile: "/etc/app.key")
        #expect(
            problems == [
                .symlinkOfAnotherUser(path: "/srv/a/next", uid: 1001), .worldWritableNotSticky(directory: "/srv/b"),
            ])
    }

    @Test func aSymlinkedDirectoryOnTheWayIsCheckedAtItsRealPlace() {
        var tree = DescribedTree()
        tree.directory("/etc")
        tree.directory("/home")
        tree.directory("/home/u", uid: 1001, gid: 1001)
        tree.link("/etc/app", to: "/home/u")
        let rule = tree.rule(for: root)
        #expect(rule.walk("/etc/app/../u/key").path == "/home/u/key")
        #expect(
            rule.problems(forFile: "/etc/app/key") == [
                .directoryOfAnotherUser(directory: "/home/u", uid: 1001, rekeyUID: 0)
            ])
    }

    @Test func anExistingFileOfAnotherUserIsRefusedUnlessTheSinkNamesThatOwner() {
        var tree = DescribedTree()
        tree.directory("/srv")
        tree.file("/srv/app.key", uid: 1001, gid: 1001, mode: 0o644)
        let rule = tree.rule(for: root)
        let problems = rule.problems(forFile: "/srv/app.key")
        #expect(problems == [.fileOfAnotherUser(path: "/srv/app.key", uid: 1001)])
        #expect(problems[0].description.contains("owner:"))
        #expect(rule.problems(forFile: "/srv/app.key", allowedOwner: 1001).isEmpty)
    }

    @Test func aStateDirectoryOfAnotherUserOrReachedThroughTheirLinkIsRefused() {
        var tree = DescribedTree()
        tree.directory("/var")
        tree.directory("/var/lib")
        tree.directory("/var/lib/rekey", uid: 1001, gid: 1001, mode: 0o700)
        tree.directory("/var/lib/mine", mode: 0o700)
        tree.directory("/var/tmp", mode: 0o1777)
        tree.link("/var/tmp/state", to: "/var/lib/mine", uid: 1001)
        let rule = tree.rule(for: root)
        #expect(
            rule.problems(forDirectory: "/var/lib/rekey") == [
                .directoryOfAnotherUser(directory: "/var/lib/rekey", uid: 1001, rekeyUID: 0)
            ])
        #expect(
            rule.problems(forDirectory: "/var/tmp/state") == [.symlinkOfAnotherUser(path: "/var/tmp/state", uid: 1001)])
        #expect(rule.problems(forDirectory: "/var/lib/mine").isEmpty)
    }
}
