import Foundation
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyJobFiles

/// A file the cache holds is not parsed again, and nothing but the very bytes (and what
/// decoding them depended on) makes a hit: a same-size edit within the same second is seen,
/// a file with any diagnostic is parsed every time, a damaged or foreign cache is ignored.
@Suite struct JobFileCacheTests {
    static func job(_ name: String, every: String = "30d") -> String {
        """
        name: \(name)
        tenant: acme
        env: prod
        provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1001"}
        credentials: {api_key: {sink: app}}
        policy: {every: \(every)}
        sinks: [{id: app, kind: env-file, path: /srv/\(name).env, key: API_KEY}]
        """
    }

    static let context = JobFileCache.context(configBytes: nil)

    /// Loads `dir`'s jobs through the cache at `cachePath` and stores what the load leaves.
    static func load(_ dir: TemporaryDirectory, cachePath: String, context: [UInt8] = context) throws
        -> JobLoadResult
    {
        let result = JobLoader.load(
            paths: [dir.file("jobs")], cache: JobFileCache.read(path: cachePath, context: context))
        try result.cache?.store(at: cachePath)
        return result
    }

    static func withJobs(_ names: [String], _ body: (TemporaryDirectory, String) throws -> Void) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for name in names { try dir.write("jobs/\(name).yaml", job(name)) }
        try body(dir, dir.file("jobfiles.cache"))
    }

    @Test func aSecondLoadParsesNothingAndGivesTheSameJobs() throws {
        try Self.withJobs(["a", "b", "c"]) { dir, cachePath in
            let first = try Self.load(dir, cachePath: cachePath)
            #expect(first.cachedFiles == 0)
            let second = try Self.load(dir, cachePath: cachePath)
            #expect(second.cachedFiles == 3)
            #expect(second.jobs == first.jobs)
            #expect(second.diagnostics.isEmpty)
            var info = stat()
            #expect(stat(cachePath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        }
    }

    /// A load of the same files leaves nothing to store (a cron tick writes no cache), one
    /// without a file leaves a cache without its entry, one with a new file a cache with it.
    @Test func aCacheIsLeftToStoreOnlyWhenItsEntriesChanged() throws {
        try Self.withJobs(["a", "b", "c"]) { dir, cachePath in
            let first = try Self.load(dir, cachePath: cachePath)
            #expect(first.cache?.entries.count == 3)
            #expect(try Self.load(dir, cachePath: cachePath).cache == nil)
            try FileManager.default.removeItem(atPath: dir.file("jobs/c.yaml"))
            let fewer = try Self.load(dir, cachePath: cachePath)
            #expect(fewer.cachedFiles == 2)
            #expect(fewer.cache?.entries.count == 2)
            #expect(try Self.load(dir, cachePath: cachePath).cache == nil)
            try dir.write("jobs/d.yaml", Self.job("d"))
            #expect(try Self.load(dir, cachePath: cachePath).cache?.entries.count == 3)
            #expect(try Self.load(dir, cachePath: cachePath).cache == nil)
        }
    }

    /// mtime and size never decide: an edit of the same size, with the old mtime put back.
    @Test func aSameSizeEditWithTheOldModificationTimeIsSeen() throws {
        try Self.withJobs(["a"]) { dir, cachePath in
            let path = dir.file("jobs/a.yaml")
            var before = stat()
            stat(path, &before)
            _ = try Self.load(dir, cachePath: cachePath)
            try dir.write("jobs/a.yaml", Self.job("a", every: "20d"))
            var times = [before.st_atim, before.st_mtim]
            utimensat(AT_FDCWD, path, &times, 0)
            var after = stat()
            stat(path, &after)
            #expect(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec)
            let edited = try Self.load(dir, cachePath: cachePath)
            #expect(edited.cachedFiles == 0)
            #expect(edited.jobs.first?.policy.every == .days(20))
        }
    }

    @Test func aFileWithAnyDiagnosticIsParsedEveryTime() throws {
        try Self.withJobs(["a"]) { dir, cachePath in
            try dir.write("jobs/broken.yaml", Self.job("broken").replacingOccurrences(of: "tenant", with: "tenat"))
            _ = try Self.load(dir, cachePath: cachePath)
            let again = try Self.load(dir, cachePath: cachePath)
            #expect(again.cachedFiles == 1)
            #expect(again.hasErrors)
            #expect(again.diagnostics.contains { $0.location.file.hasSuffix("broken.yaml") })
        }
    }

    /// Cross-job rules run on cached jobs too: two files may each be valid and clash.
    @Test func twoCachedFilesWithOneJobNameStillClash() throws {
        try Self.withJobs(["a"]) { dir, cachePath in
            try dir.write("jobs/copy.yaml", Self.job("a").replacingOccurrences(of: "/srv/a.env", with: "/srv/b.env"))
            _ = try Self.load(dir, cachePath: cachePath)
            let again = try Self.load(dir, cachePath: cachePath)
            #expect(again.cachedFiles == 2)
            #expect(again.diagnostics.contains { $0.message.contains("two jobs are named 'a'") })
        }
    }

    /// Relative sink paths resolve against the job file's directory as its symlinks lead now.
    @Test func aJobsDirectoryLinkedElsewhereIsParsedAgain() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let relative = Self.job("a").replacingOccurrences(of: "/srv/a.env", with: "../sinks/a.env")
        try dir.write("one/jobs/a.yaml", relative)
        try dir.write("two/jobs/a.yaml", relative)
        try FileManager.default.createSymbolicLink(atPath: dir.file("jobs"), withDestinationPath: dir.file("one/jobs"))
        let cachePath = dir.file("jobfiles.cache")
        let first = try Self.load(dir, cachePath: cachePath)
        try FileManager.default.removeItem(atPath: dir.file("jobs"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("jobs"), withDestinationPath: dir.file("two/jobs"))
        let moved = try Self.load(dir, cachePath: cachePath)
        #expect(moved.cachedFiles == 0)
        #expect(first.jobs.first?.sinks.first?.path != moved.jobs.first?.sinks.first?.path)
    }

    @Test func anotherBuildOrRekeyYamlReadsNoEntry() throws {
        try Self.withJobs(["a"]) { dir, cachePath in
            _ = try Self.load(dir, cachePath: cachePath)
            let other = JobFileCache.context(configBytes: Data("defaults: {policy: {grace: 2d}}\n".utf8))
            #expect(try Self.load(dir, cachePath: cachePath, context: other).cachedFiles == 0)
        }
    }

    @Test func aDamagedOrForeignCacheIsIgnoredAndRebuilt() throws {
        try Self.withJobs(["a", "b"]) { dir, cachePath in
            _ = try Self.load(dir, cachePath: cachePath)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cachePath)))
            bytes[bytes.count / 2] ^= 0x20
            try Data(bytes).write(to: URL(fileURLWithPath: cachePath))
            chmod(cachePath, 0o600)
            #expect(try Self.load(dir, cachePath: cachePath).cachedFiles == 0)
            #expect(try Self.load(dir, cachePath: cachePath).cachedFiles == 2)
            // Writable by others: anyone could have put jobs in it.
            chmod(cachePath, 0o666)
            #expect(JobFileCache.read(path: cachePath, context: Self.context).entries.isEmpty)
            chmod(cachePath, 0o600)
            if geteuid() == 0 {
                chown(cachePath, 65534, 65534)
                #expect(JobFileCache.read(path: cachePath, context: Self.context).entries.isEmpty)
            }
        }
    }

    /// A regenerate whose key file is a sink only through a symlink was validated against the
    /// file system, not the bytes: such a file is never cached.
    @Test func aKeyFileThatIsASinkOnlyThroughASymlinkIsNotCached() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("real/key", "k")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("real"))
        try dir.write(
            "jobs/a.yaml",
            Self.job("a").replacingOccurrences(of: "{sink: app}", with: "{file: \(dir.file("link/key"))}")
                .replacingOccurrences(
                    of: "[{id: app, kind: env-file, path: /srv/a.env, key: API_KEY}]",
                    with: "[{id: app, kind: file, path: \(dir.file("real/key"))}]"))
        let cachePath = dir.file("jobfiles.cache")
        let first = try Self.load(dir, cachePath: cachePath)
        #expect(first.diagnostics.isEmpty, "\(first.diagnostics)")
        #expect(try Self.load(dir, cachePath: cachePath).cachedFiles == 0)
    }
}
