import Foundation
import RekeyConfig
import RekeyTestSupport
import Testing

/// Where rekey looks, by the rules in the README: a flag, else an environment variable,
/// else rekey.yaml, else a default — through the resolver's seam, never the real process.
@Suite struct PathResolverTests {
    static func resolver(
        _ environment: [String: String] = [:], in directory: String, root: Bool = false, home: String = "/home/op"
    ) -> PathResolver {
        PathResolver(environment: environment, currentDirectory: directory, isRoot: root, homeDirectory: home)
    }

    @Test func aFlagWinsOverTheEnvironmentAndTheConfigAndRelativePathsAreMadeAbsolute() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let resolver = Self.resolver(["REKEY_JOBS": "/env/jobs", "REKEY_STATE_DIR": "/env/state"], in: dir.path)
        #expect(try resolver.jobsDirectory(flag: "flagged", configured: "/conf/jobs") == dir.path + "/flagged")
        #expect(try resolver.jobsDirectory(flag: nil, configured: "/conf/jobs") == "/env/jobs")
        #expect(resolver.stateDirectory(flag: nil, configured: "/conf/state") == "/env/state")
        #expect(resolver.stateDirectory(flag: "/flag/state", configured: nil) == "/flag/state")
    }

    @Test func anEmptyEnvironmentVariableCountsAsUnset() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let resolver = Self.resolver(["REKEY_JOBS": "", "REKEY_DB": ""], in: dir.path)
        #expect(try resolver.jobsDirectory(flag: nil, configured: "/conf/jobs") == "/conf/jobs")
        #expect(resolver.database(flag: nil, configured: nil, stateDirectory: "/s") == "/s/audit.sqlite")
    }

    @Test func withoutFlagsTheJobsDirectoryIsDotJobsWhenItExistsElseAnErrorNamingWhatWasTried() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let resolver = Self.resolver(in: dir.path)
        if !FileManager.default.fileExists(atPath: "/etc/rekey/jobs") {
            #expect(throws: PathError.self) { try resolver.jobsDirectory(flag: nil) }
        }
        try dir.write("jobs/a.yaml", "")
        #expect(try resolver.jobsDirectory(flag: nil) == dir.path + "/jobs")
    }

    @Test func theStateDirectoryIsVarLibForRootElseUnderXDGStateHome() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(Self.resolver(in: dir.path, root: true).stateDirectory(flag: nil, configured: nil) == "/var/lib/rekey")
        #expect(
            Self.resolver(in: dir.path).stateDirectory(flag: nil, configured: nil) == "/home/op/.local/state/rekey")
        let xdg = Self.resolver(["XDG_STATE_HOME": "/xdg"], in: dir.path)
        #expect(xdg.stateDirectory(flag: nil, configured: nil) == "/xdg/rekey")
    }

    @Test func theConfigIsFoundBesideTheJobsDirectoryAndAMissingExplicitOneIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let resolver = Self.resolver(in: dir.path)
        try dir.write("jobs/a.yaml", "")
        #expect(try resolver.configFile(flag: nil, jobsDirectory: dir.file("jobs")) == nil)
        try dir.write("rekey.yaml", "concurrency: 2\n")
        #expect(try resolver.configFile(flag: nil, jobsDirectory: dir.file("jobs")) == dir.file("rekey.yaml"))
        #expect(throws: PathError.configNotFound(dir.file("missing.yaml"))) {
            try resolver.configFile(flag: "missing.yaml", jobsDirectory: nil)
        }
    }
}
