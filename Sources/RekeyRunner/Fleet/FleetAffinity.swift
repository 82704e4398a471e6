// Which jobs a fleet host takes (DESIGN, "Fleet mode", affinity): a job with a `file` or
// `env-file` sink writes a file on one machine, so it names that machine's identity with
// `host:` and only that host claims it — or names several with `hosts: [..]`, and each of
// them claims it in turn to write its own files (`HostShare`); a job whose sinks are all
// remote runs on any host.
// A job with a local sink and no `host:` is refused on every host, with the way out, rather
// than written to whichever host claimed it first.

import Foundation
import RekeyConfig
import RekeyModel

public enum FleetAffinity {
    /// This host's identity when `--host` is not given: REKEY_HOST, else the hostname.
    public static func defaultHost(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let host = environment["REKEY_HOST"], !host.isEmpty { return host }
        return ProcessInfo.processInfo.hostName
    }

    /// The one place a command's fleet identity is decided: `explicit` (`--host`), else
    /// REKEY_HOST, else the hostname — when `database` is a fleet's PostgreSQL URL; nil on
    /// one host, whose rows name no host.
    public static func host(
        database: String, explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        isDatabaseURL(database) ? explicit ?? defaultHost(environment) : nil
    }

    /// The jobs `host` takes, the names of jobs pinned to other hosts (not this host's to
    /// touch, not even to recover), and each job no host may take with the reason.
    static func partition(_ jobs: [Job], host: String) -> (
        mine: [Job], elsewhere: Set<String>, refused: [(job: Job, why: String)]
    ) {
        var mine: [Job] = []
        var elsewhere: Set<String> = []
        var refused: [(job: Job, why: String)] = []
        for job in jobs {
            if let pinned = job.host {
                if pinned == host { mine.append(job) } else { elsewhere.insert(job.name) }
            } else if !job.hosts.isEmpty {
                if job.hosts.contains(host) { mine.append(job) } else { elsewhere.insert(job.name) }
            } else if let local = job.sinks.first(where: { !$0.kind.isRemote }) {
                refused.append(
                    (
                        job,
                        "in fleet mode a job with a \(local.kind.rawValue) sink ('\(local.id)') must name the host that writes it: add host: <identity> to the job (the value of --host / REKEY_HOST on that machine), or hosts: [<identity>, ...] when each of several machines has the file; jobs whose sinks are all remote run on any host"
                    ))
            } else {
                mine.append(job)
            }
        }
        return (mine, elsewhere, refused)
    }
}
