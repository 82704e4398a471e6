// The optional global `rekey.yaml`: where state lives, run-wide settings and defaults
// merged beneath every job. Validated by the same node walk as job files.

import Foundation
import RekeyJobFiles
import RekeyModel

public struct GlobalConfig: Sendable {
    public var path: String?
    public var stateDirectory: String?
    /// A SQLite path (absolute) or a `postgres://` URL (as written).
    public var database: String?
    public var jobsDirectory: String?
    public var concurrency: Int?
    public var onFailure: [HookSpec] = []
    /// Requests per minute per vendor host.
    public var rateLimits: [String: Int] = [:]
    public var httpsProxy: String?
    /// `run_interval`: how often the scheduler starts `rekey run` (default 24h). A credential
    /// that lives less than this draws a warning in `validate` and `plan`.
    public var runInterval: RekeyDuration?
    public var defaults: YAMLDefaults?
    /// `fleet:` — the fleet key file and the lease length.
    public var fleet = FleetConfig()

    public init() {}

    /// The configured run interval (`run_interval`, else the default), before the log is consulted.
    public var configuredRunInterval: RunInterval { RunInterval(configured: runInterval) }

    static let keys = [
        "state_dir", "db", "jobs", "concurrency", "on_failure", "rate_limit", "https_proxy", "run_interval", "defaults",
        "fleet",
    ]

    /// Reads `path`; diagnostics say what is wrong with it.
    public static func load(path: String) -> (GlobalConfig?, [Diagnostic]) {
        let (root, problems) = YAMLDocumentReader.read(path: path)
        guard let root else { return (nil, problems) }
        var reader = NodeReader()
        var config = GlobalConfig()
        config.path = path
        guard let map = reader.mapping(root, named: "rekey.yaml", allowed: keys) else {
            return (nil, problems + reader.diagnostics.diagnostics)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func absolute(_ p: String?) -> String? {
            p.map { $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: directory + "/" + $0).standardizedFileURL.path }
        }
        config.stateDirectory = absolute(reader.string(map, "state_dir", required: false, context: "rekey.yaml"))
        // A database URL is kept as written; only a SQLite path is made absolute.
        config.database = reader.string(map, "db", required: false, context: "rekey.yaml").map {
            isDatabaseURL($0) ? $0 : absolute($0) ?? $0
        }
        if let fleet = map["fleet"] { config.fleet = FleetConfig.read(fleet, reader: &reader, absolute: absolute) }
        config.jobsDirectory = absolute(reader.string(map, "jobs", required: false, context: "rekey.yaml"))
        config.concurrency = reader.integer(map, "concurrency", range: 1...256)
        config.httpsProxy = reader.string(map, "https_proxy", required: false, context: "rekey.yaml")
        if let interval = reader.duration(map, "run_interval") {
            if interval.seconds > 0 {
                config.runInterval = interval
            } else if let node = map["run_interval"] {
                reader.error(
                    node, "'run_interval' must be longer than 0s", hint: "how often rekey runs, e.g. 1h or 24h")
            }
        }
        var decoder = JobDecoder(baseDirectory: directory)
        config.onFailure = decoder.decodeHooks(map, key: "on_failure")
        if let limits = map["rate_limit"] {
            if let entries = limits.entries {
                for entry in entries {
                    if let text = entry.value.scalar, let perMinute = Int(text), perMinute > 0 {
                        config.rateLimits[entry.key] = perMinute
                    } else {
                        reader.error(
                            entry.value,
                            "rate_limit for '\(entry.key)' must be requests per minute, a whole number above 0")
                    }
                }
            } else {
                reader.error(limits, "'rate_limit' must map vendor hosts to requests per minute")
            }
        }
        if let defaults = map["defaults"] {
            if defaults.entries != nil {
                config.defaults = YAMLDefaults(node: defaults)
            } else {
                reader.error(defaults, "'defaults' must be a mapping, found \(defaults.typeName)")
            }
        }
        let all = problems + reader.diagnostics.diagnostics + decoder.diagnostics
        return (all.contains { $0.severity == .error } ? nil : config, all)
    }
}

/// Whether a `--db` / `REKEY_DB` / `db:` value names a database server rather than a SQLite file.
public func isDatabaseURL(_ text: String) -> Bool {
    text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
}
