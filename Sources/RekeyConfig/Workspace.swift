// Everything a subcommand needs before it works: resolved paths, the global config
// and the loaded jobs. One place, so every subcommand resolves them the same way.

import Foundation
import RekeyJobFiles

public struct Workspace: Sendable {
    public var paths: ResolvedPaths
    public var config: GlobalConfig
    /// Diagnostics of rekey.yaml itself.
    public var configDiagnostics: [Diagnostic]

    /// Resolves paths and reads rekey.yaml. Throws `PathError` (exit 66) when no jobs
    /// directory exists; a broken rekey.yaml is returned as diagnostics (exit 65).
    public static func open(_ options: SharedPathOptions, resolver: PathResolver = PathResolver()) throws -> Workspace {
        let jobsFlag = options.jobs
        // rekey.yaml may itself name the jobs directory, so look for it first when it is explicit.
        var config = GlobalConfig()
        var diagnostics: [Diagnostic] = []
        var configPath = try resolver.configFile(flag: options.config, jobsDirectory: nil)
        if let configPath {
            let (loaded, problems) = GlobalConfig.load(path: configPath)
            config = loaded ?? GlobalConfig()
            diagnostics = problems
        }
        let jobs = try resolver.jobsDirectory(flag: jobsFlag, configured: config.jobsDirectory)
        if configPath == nil, let beside = try resolver.configFile(flag: nil, jobsDirectory: jobs) {
            configPath = beside
            let (loaded, problems) = GlobalConfig.load(path: beside)
            config = loaded ?? GlobalConfig()
            diagnostics = problems
        }
        let state = resolver.stateDirectory(flag: options.stateDirectory, configured: config.stateDirectory)
        let database = resolver.database(flag: options.database, configured: config.database, stateDirectory: state)
        return Workspace(
            paths: ResolvedPaths(jobs: jobs, config: configPath, stateDirectory: state, database: database),
            config: config, configDiagnostics: diagnostics)
    }

    /// Loads and validates every job file in the jobs directory (exit 66 when there is none),
    /// with a warning for each credential that lives less than `run_interval`. Files the
    /// job-file cache in the state directory holds are not parsed again.
    public func loadJobs() throws -> JobLoadResult {
        let cache = JobFileCache.read(path: jobFileCachePath, context: jobFileCacheContext)
        var result = JobLoader.load(paths: [paths.jobs], globalDefaults: config.defaults, cache: cache)
        guard !result.files.isEmpty else { throw PathError.noJobFiles(paths.jobs) }
        result.diagnostics =
            configDiagnostics + result.diagnostics
            + ShortLifetimeDiagnostics.warnings(jobs: result.jobs, interval: config.configuredRunInterval)
        return result
    }

    var jobFileCachePath: String { paths.stateDirectory + "/" + JobFileCache.fileName }

    var jobFileCacheContext: [UInt8] {
        JobFileCache.context(configBytes: paths.config.flatMap { FileManager.default.contents(atPath: $0) })
    }

    /// Writes the job-file cache `loaded` left, if it changed. Only `run` calls it, and only
    /// once its run has accepted the state directory (owner, mode): rekey never writes into a
    /// state directory it refuses. A cache that cannot be written costs the next run a parse.
    public func storeJobFileCache(from loaded: JobLoadResult) {
        try? loaded.cache?.store(at: jobFileCachePath)
    }

    /// Loads the job files or directories named on a command line (`rekey validate PATH…`),
    /// under the defaults and `run_interval` of `configPath` when one is given. Throws
    /// `PathError` (exit 66) when they hold no job file and nothing else is wrong.
    public static func loadJobs(at paths: [String], configPath: String?) throws -> JobLoadResult {
        var config = GlobalConfig()
        var configDiagnostics: [Diagnostic] = []
        if let configPath {
            let (loaded, problems) = GlobalConfig.load(path: configPath)
            config = loaded ?? GlobalConfig()
            configDiagnostics = problems
        }
        var result = JobLoader.load(paths: paths, globalDefaults: config.defaults)
        result.diagnostics =
            configDiagnostics + result.diagnostics
            + ShortLifetimeDiagnostics.warnings(jobs: result.jobs, interval: config.configuredRunInterval)
        if result.files.isEmpty && !result.hasErrors { throw PathError.noJobFiles(paths.joined(separator: ", ")) }
        return result
    }
}
