// Job files in, validated jobs and every diagnostic out. Files are `*.yaml`/`*.yml`
// holding one job, or `defaults:` + `jobs:`. Cross-job rules (unique names, unique
// credential sources and sink targets) are checked once all files are read.

import Foundation
import RekeyModel
import Synchronization

public struct JobLoadResult: Sendable {
    public var jobs: [Job]
    public var diagnostics: [Diagnostic]
    /// The job files that were read.
    public var files: [String]
    /// With a cache: the one this load leaves behind (exactly the entries of the files it
    /// read, new ones included), for `run` to store; nil when it holds nothing new.
    public var cache: JobFileCache?
    /// How many files came from the cache, not the parser.
    public var cachedFiles = 0

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var hasErrors: Bool { errorCount > 0 }
}

public enum JobLoader {
    /// The job files below `paths` (files as given, directories scanned one level, sorted).
    public static func jobFiles(in paths: [String]) -> (files: [String], diagnostics: [Diagnostic]) {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(
                    Diagnostic(.error, SourceLocation(file: path, line: 1, column: 1), "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let names = (try? fm.contentsOfDirectory(atPath: path)) ?? []
                let directory = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
                files += names.filter { isJobFileName($0) }.sorted().map {
                    directory == "." ? $0 : "\(directory)/\($0)"
                }
            } else {
                files.append(path)
            }
        }
        return (files, diagnostics)
    }

    package static func isJobFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && name != "rekey.yaml"
    }

    /// Loads every job below `paths`, applying `globalDefaults` (from rekey.yaml) beneath each
    /// file's own; a file `cache` holds (same bytes, path, directory, build and rekey.yaml)
    /// is not parsed again.
    public static func load(
        paths: [String], globalDefaults: YAMLDefaults? = nil, cache: JobFileCache? = nil
    ) -> JobLoadResult {
        let (files, listing) = jobFiles(in: paths)
        let workingDirectory = FileManager.default.currentDirectoryPath
        // The cache key holds each file's directory with its symlinks resolved: once per
        // directory, not once per file.
        var directories: [String: String] = [:]
        if cache != nil {
            for file in files {
                let directory = ResolvedPath.directory(of: absolute(file, in: workingDirectory))
                if directories[directory] == nil { directories[directory] = ResolvedPath.resolve(directory) }
            }
        }
        let resolvedDirectories = directories
        // Files are independent: parse them, and resolve where their sinks really write (a
        // `stat` each), on every core, then merge in file order.
        let resolver = ResolvedPath.Resolver()
        let results = Mutex([FileLoad](repeating: FileLoad(), count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            var result = loadFile(
                files[index], globalDefaults: globalDefaults, cache: cache, workingDirectory: workingDirectory,
                resolvedDirectories: resolvedDirectories)
            result.sinkFiles = result.jobs.map { job in Self.sinkFiles(of: job, resolver: resolver) }
            results.withLock { $0[index] = result }
        }
        var jobs: [Job] = []
        jobs.reserveCapacity(files.count)
        var sinkFiles: [[String]] = []
        sinkFiles.reserveCapacity(files.count)
        var diagnostics = listing
        var entries: [[UInt8]: ArraySlice<UInt8>] = [:]
        var cachedFiles = 0
        // Taken out of the lock and emptied file by file: never two copies of every job.
        var perFile = results.withLock { results in
            var taken: [FileLoad] = []
            swap(&taken, &results)
            return taken
        }
        for index in perFile.indices {
            jobs += perFile[index].jobs
            sinkFiles += perFile[index].sinkFiles
            diagnostics += perFile[index].diagnostics
            if let entry = perFile[index].cacheEntry { entries[entry.key] = entry.value }
            if perFile[index].fromCache { cachedFiles += 1 }
            perFile[index] = FileLoad()
        }
        diagnostics += crossJobProblems(jobs, sinkFiles: sinkFiles)
        // Every file a hit and as many entries as before: the same entries, nothing to store.
        let unchanged = cachedFiles == entries.count && entries.count == cache?.entries.count
        return JobLoadResult(
            jobs: jobs, diagnostics: diagnostics, files: files,
            cache: unchanged ? nil : cache?.replacingEntries(with: entries), cachedFiles: cachedFiles)
    }

    /// What one file gave: its jobs and diagnostics, and its cache entry when it has one.
    package struct FileLoad: Sendable {
        var jobs: [Job] = []
        var diagnostics: [Diagnostic] = []
        var cacheEntry: (key: [UInt8], value: ArraySlice<UInt8>)?
        var fromCache = false
        /// For each job, the file each of its sinks really writes (`sinkFiles(of:resolver:)`).
        var sinkFiles: [[String]] = []
    }

    static func absolute(_ path: String, in workingDirectory: String) -> String {
        path.hasPrefix("/") ? path : workingDirectory + "/" + path
    }

    static func loadFile(
        _ path: String, globalDefaults: YAMLDefaults?, cache: JobFileCache?, workingDirectory: String,
        resolvedDirectories: [String: String]
    ) -> FileLoad {
        let data: Data
        let declaredAt: Date
        switch YAMLDocumentReader.contents(path: path) {
        case .success(let contents): (data, declaredAt) = (contents.bytes, contents.modified)
        case .failure(let problem): return FileLoad(diagnostics: [problem.diagnostic])
        }
        var key: [UInt8]?
        if let cache {
            let absolute = absolute(path, in: workingDirectory)
            let directory = ResolvedPath.directory(of: absolute)
            let resolved = resolvedDirectories[directory] ?? ResolvedPath.resolve(directory)
            let entryKey = cache.key(path: absolute, resolvedDirectory: resolved, bytes: data)
            if let encoded = cache.entry(for: entryKey), var jobs = JobFileCache.jobs(decoding: encoded) {
                for index in jobs.indices { jobs[index].declaredAt = declaredAt }
                return FileLoad(jobs: jobs, cacheEntry: (entryKey, encoded), fromCache: true)
            }
            key = entryKey
        }
        let (root, readProblems) = YAMLDocumentReader.parse(data: data, file: path)
        guard let root else { return FileLoad(diagnostics: readProblems) }
        var (jobs, diagnostics) = decodeDocument(
            root, path: path, globalDefaults: globalDefaults, diagnostics: readProblems)
        // Only a file without a single diagnostic is cached: a hit then means what a parse would.
        let entry = key.flatMap { key in diagnostics.isEmpty ? JobFileCache.entry(for: jobs).map { (key, $0) } : nil }
        for index in jobs.indices { jobs[index].declaredAt = declaredAt }
        return FileLoad(jobs: jobs, diagnostics: diagnostics, cacheEntry: entry)
    }

    package static func decodeDocument(
        _ root: YAMLNode, path: String, globalDefaults: YAMLDefaults?, diagnostics: [Diagnostic]
    )
        -> ([Job], [Diagnostic])
    {
        var diagnostics = diagnostics
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard root.entries != nil else {
            diagnostics.append(
                Diagnostic(.error, root.location, "a job file must be a mapping, found \(root.typeName)"))
            return ([], diagnostics)
        }
        var jobNodes: [YAMLNode]
        var defaults = root["defaults"]
        if root["jobs"] != nil || defaults != nil {
            var reader = NodeReader()
            _ = reader.mapping(root, named: "a file with 'jobs:'", allowed: ["defaults", "jobs"])
            if let node = defaults, node.entries == nil {
                reader.error(node, "'defaults' must be a mapping, found \(node.typeName)")
                defaults = nil
            }
            jobNodes = reader.list(root, "jobs") ?? []
            if root["jobs"] == nil { reader.error(root, "a file with 'defaults:' needs 'jobs:', a list of jobs") }
            diagnostics += reader.diagnostics.diagnostics
        } else {
            jobNodes = [root]
        }
        var jobs: [Job] = []
        for var node in jobNodes {
            if let defaults { node = YAMLNode.merge(defaults: defaults, into: node) }
            if let global = globalDefaults?.node { node = YAMLNode.merge(defaults: global, into: node) }
            var decoder = JobDecoder(baseDirectory: directory)
            if let job = decoder.decode(node) { jobs.append(job) }
            diagnostics += decoder.diagnostics
        }
        return (jobs, diagnostics)
    }

    /// The file each sink of `job` really writes: a local path with its symlinks resolved,
    /// a remote sink's target as it is spelled.
    static func sinkFiles(of job: Job, resolver: ResolvedPath.Resolver) -> [String] {
        job.sinks.map { sink in sink.kind.isRemote ? sink.path : resolver.resolve(sink.path) }
    }

    /// Two jobs may not share a name, a credential rekey rotates, or a sink target;
    /// `sinkFiles[job][sink]` is the file each sink really writes (`sinkFiles(of:resolver:)`).
    static func crossJobProblems(_ jobs: [Job], sinkFiles: [[String]]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        // Indices into `jobs`, not copies: a `Job` is large, and 10,000 of them copied into
        // these tables were a third of a 10,000-file tick's heap.
        var names: [String: Int] = [:]
        var sources: [String: Int] = [:]
        // Sinks (job index, sink index) by the file they really write (symlinks resolved),
        // first seen first.
        var files: [String: [(job: Int, sink: Int)]] = [:]
        for (index, job) in jobs.enumerated() {
            if let other = names[job.name].map({ jobs[$0] }) {
                problems.append(
                    Diagnostic(
                        .error, job.location, "two jobs are named '\(job.name)' (the other at \(other.location))"))
            } else {
                names[job.name] = index
            }
            // Only a credential rekey rotates belongs to one job; login inputs (an access key,
            // an x-api-key that mints tokens) stay valid and may be shared.
            for (key, reference) in job.credentials.sorted(by: { $0.key < $1.key })
            where key == job.provider.replacedCredentialKey {
                // A `{sink:}` credential is checked with the sinks below.
                if case .sink = reference { continue }
                if let other = sources[reference.description].map({ jobs[$0] }), other.location != job.location {
                    problems.append(
                        Diagnostic(
                            .error, job.location,
                            "job '\(job.name)' reads its \(key) from \(reference), as does job '\(other.name)' at \(other.location)",
                            hint: "one credential belongs to one job: rotating it in one would break the other"))
                }
                sources[reference.description] = sources[reference.description] ?? index
            }
            for (sinkIndex, sink) in job.sinks.enumerated() {
                let file = sinkFiles[index][sinkIndex]
                let clash = files[file]?.first { claim in
                    jobs[claim.job].location != job.location && sharesTarget(sink, jobs[claim.job].sinks[claim.sink])
                }
                if let clash {
                    let other = jobs[clash.job]
                    problems.append(sharedTarget(sink, of: job, file: file, with: other.sinks[clash.sink], of: other))
                } else {
                    files[file, default: []].append((index, sinkIndex))
                }
            }
        }
        return problems
    }

    /// Two sinks of one file overwrite each other unless both are env-file sinks of
    /// different keys (each replaces only its own line).
    static func sharesTarget(_ sink: SinkSpec, _ other: SinkSpec) -> Bool {
        sink.kind == .file || other.kind == .file || sink.key == other.key
    }

    static func sharedTarget(_ sink: SinkSpec, of job: Job, file: String, with other: SinkSpec, of otherJob: Job)
        -> Diagnostic
    {
        var message =
            "sink '\(sink.id)' of job '\(job.name)' writes \(sink.target), as does sink '\(other.id)' of job '\(otherJob.name)' at \(other.location)"
        if sink.path != other.path { message += "; both are \(file) once symlinks are resolved" }
        if sink.kind != other.kind { message += "; a file sink replaces the whole file" }
        return Diagnostic(
            .error, sink.location, message,
            hint: "one file (and key) belongs to one job: each would overwrite the other's key")
    }
}

/// `defaults:` from rekey.yaml, merged beneath every file's own defaults.
public struct YAMLDefaults: Sendable {
    package let node: YAMLNode

    package init(node: YAMLNode) {
        self.node = node
    }
}
