import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyDelivery
@testable import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

/// Sinks on a real file system: into the state directory, two sinks that are one file, and a
/// link planted between preflight and write. (The ownership rule itself: `PathOwnershipTests`.)
@Suite struct SinkOwnershipTests {
    let root = ProcessIdentity(uid: 0, gid: 0)

    @Test func aSinkInsideTheStateDirectoryIsRefusedHoweverItIsSpelled() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let key = try dir.write("state/audit.key", "audit key")
        try FileManager.default.createSymbolicLink(atPath: dir.file("alias"), withDestinationPath: "state")
        let preflight = SinkPreflight(identity: root, stateDirectory: dir.file("state"))
        let sinks = [fileSpec(key, id: "direct"), fileSpec(dir.file("alias/new.key"), id: "aliased")]
        let problems = preflight.problems(for: sinks)
        #expect(
            problems == [
                SinkProblem(
                    sinkID: "direct",
                    error: .insideStateDirectory(path: key, resolved: key, stateDirectory: dir.file("state"))),
                SinkProblem(
                    sinkID: "aliased",
                    error: .insideStateDirectory(
                        path: dir.file("alias/new.key"), resolved: dir.file("state/new.key"),
                        stateDirectory: dir.file("state"))),
            ])
        #expect(problems[1].description.contains("outside \(dir.file("state"))"))
        #expect(preflight.problems(for: [fileSpec(dir.file("outside.key"))]).isEmpty)
    }

    @Test func twoSinksThatAreOneFileAreRefusedAcrossJobsOfOneRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("real/app.env", "API_KEY='old'\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: "real")
        let preflight = SinkPreflight(identity: root)
        let first = envSpec(dir.file("real/app.env"), key: "API_KEY", id: "first")
        #expect(preflight.problems(for: [first]).isEmpty)
        #expect(preflight.problems(for: [first]).isEmpty, "the same sink preflighted again is not a conflict")
        #expect(
            preflight.problems(for: [envSpec(dir.file("link/app.env"), key: "OTHER_KEY", id: "other-key")]).isEmpty)
        let second = envSpec(dir.file("link/app.env"), key: "API_KEY", id: "second")
        let problems = preflight.problems(for: [second])
        #expect(problems.count == 1)
        guard case .sameFileAsAnotherSink(let path, let other) = problems.first?.error else {
            Issue.record("\(problems)")
            return
        }
        #expect(path == dir.file("link/app.env"))
        #expect(other.contains("sink first") && other.contains(dir.file("real/app.env")))
    }

    @Test func twoSinksOfOneJobThatAreOneNewFileAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: "real")
        let problems = SinkPreflight(identity: root).problems(for: [
            fileSpec(dir.file("real/app.key"), id: "a"), fileSpec(dir.file("link/app.key"), id: "b"),
        ])
        #expect(problems.map(\.sinkID) == ["b"])
    }

    @Test func aSymlinkAnotherUserPlantsAfterPreflightIsNotWrittenThrough() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let shared = dir.file("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmodPath(shared, 0o1777)
        let victim = try dir.write("victim", "precious")
        let sink = fileSpec(shared + "/app.key")
        let writer = LocalSinkWriter()
        #expect(await writer.problems(for: [sink]).isEmpty)
        try FileManager.default.createSymbolicLink(atPath: sink.path, withDestinationPath: victim)
        precondition(lchown(sink.path, 1234, 1234) == 0)
        await #expect(throws: SinkError.unsafeOwnership(.symlinkOfAnotherUser(path: sink.path, uid: 1234))) {
            try await writer.write(Secret("new-key"), to: sink)
        }
        #expect(contents(victim) == "precious")
    }
}
