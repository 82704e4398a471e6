// Where the jobs, the config, the state and the audit database are, by the rules in
// README ("Configuration and paths"): a flag, else an environment variable, else rekey.yaml, else a default.
// cron runs in $HOME and systemd in /, so "found nothing" is an error, never a green run.

import Foundation

/// The options every subcommand shares.
public struct SharedPathOptions: Sendable {
    public var config: String?
    public var jobs: String?
    public var stateDirectory: String?
    public var database: String?

    public init(config: String? = nil, jobs: String? = nil, stateDirectory: String? = nil, database: String? = nil) {
        self.config = config
        self.jobs = jobs
        self.stateDirectory = stateDirectory
        self.database = database
    }
}

public struct ResolvedPaths: Sendable, Hashable {
    public var jobs: String
    public var config: String?
    public var stateDirectory: String
    public var database: String

    public init(jobs: String, config: String? = nil, stateDirectory: String, database: String) {
        self.jobs = jobs
        self.config = config
        self.stateDirectory = stateDirectory
        self.database = database
    }
}

public enum PathError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case noJobsDirectory(tried: [String])
    case noJobFiles(String)
    case configNotFound(String)

    public var description: String {
        switch self {
        case .noJobsDirectory(let tried):
            "no jobs directory found (tried \(tried.joined(separator: ", "))): pass --jobs DIR or set REKEY_JOBS"
        case .noJobFiles(let dir):
            "no job files (*.yaml, *.yml) in \(dir): add a job, or point --jobs at the right directory"
        case .configNotFound(let path):
            "config file \(path) does not exist: fix --config / REKEY_CONFIG, or remove it to use defaults"
        }
    }

    public var errorDescription: String? { description }
}

public struct PathResolver: Sendable {
    public var environment: [String: String]
    public var currentDirectory: String
    public var isRoot: Bool
    public var homeDirectory: String

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        isRoot: Bool = geteuid() == 0,
        homeDirectory: String = NSHomeDirectory()
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.isRoot = isRoot
        self.homeDirectory = homeDirectory
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: currentDirectory + "/" + path).standardizedFileURL.path
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = environment[key], !value.isEmpty else { return nil }
        return value
    }

    /// The jobs directory: --jobs, REKEY_JOBS, ./jobs if it exists, /etc/rekey/jobs.
    public func jobsDirectory(flag: String?, configured: String? = nil) throws -> String {
        if let explicit = flag ?? nonEmpty("REKEY_JOBS") ?? configured { return absolute(explicit) }
        var tried: [String] = []
        for candidate in [absolute("jobs"), "/etc/rekey/jobs"] {
            tried.append(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw PathError.noJobsDirectory(tried: tried)
    }

    /// The config file: --config, REKEY_CONFIG, else rekey.yaml beside the jobs directory (if present).
    public func configFile(flag: String?, jobsDirectory: String?) throws -> String? {
        if let explicit = flag ?? nonEmpty("REKEY_CONFIG") {
            let path = absolute(explicit)
            guard FileManager.default.fileExists(atPath: path) else { throw PathError.configNotFound(path) }
            return path
        }
        guard let jobsDirectory else { return nil }
        let beside = URL(fileURLWithPath: jobsDirectory).deletingLastPathComponent().appendingPathComponent(
            "rekey.yaml"
        ).path
        return FileManager.default.fileExists(atPath: beside) ? beside : nil
    }

    /// The state directory: --state-dir, REKEY_STATE_DIR, rekey.yaml, /var/lib/rekey for root, else XDG.
    public func stateDirectory(flag: String?, configured: String?) -> String {
        if let explicit = flag ?? nonEmpty("REKEY_STATE_DIR") ?? configured { return absolute(explicit) }
        if isRoot { return "/var/lib/rekey" }
        let base = nonEmpty("XDG_STATE_HOME") ?? homeDirectory + "/.local/state"
        return absolute(base) + "/rekey"
    }

    /// The audit database: --db, REKEY_DB, rekey.yaml, else <state-dir>/audit.sqlite. A
    /// `postgres://` URL is kept as written; a SQLite path is made absolute.
    public func database(flag: String?, configured: String?, stateDirectory: String) -> String {
        if let explicit = flag ?? nonEmpty("REKEY_DB") ?? configured {
            return isDatabaseURL(explicit) ? explicit : absolute(explicit)
        }
        return stateDirectory + "/audit.sqlite"
    }
}
