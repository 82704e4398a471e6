// rekey.yaml's `fleet:` block: what every host of a fleet shares. `key: {file: …}` names the
// fleet key file (the PostgreSQL log's audit key is derived from it; the key itself is read
// by RekeyPostgresStore, never here), `lease:` how long a claim lasts (read now, used when
// leases arrive).

import Foundation
import RekeyJobFiles
import RekeyModel

public struct FleetConfig: Sendable, Hashable {
    /// The fleet key file, absolute.
    public var keyFile: String?
    public var lease: RekeyDuration?

    public init(keyFile: String? = nil, lease: RekeyDuration? = nil) {
        self.keyFile = keyFile
        self.lease = lease
    }

    static let keys = ["key", "lease"]

    /// Reads the `fleet:` mapping; relative paths are taken from rekey.yaml's directory.
    static func read(_ node: YAMLNode, reader: inout NodeReader, absolute: (String?) -> String?) -> FleetConfig {
        var fleet = FleetConfig()
        guard let map = reader.mapping(node, named: "fleet", allowed: keys) else { return fleet }
        if let key = map["key"] {
            if let reference = reader.mapping(key, named: "fleet.key", allowed: ["file"]),
                let file = reader.string(reference, "file", required: true, context: "fleet.key")
            {
                fleet.keyFile = absolute(file)
            }
        }
        if let lease = reader.duration(map, "lease") {
            if lease.seconds > 0 {
                fleet.lease = lease
            } else if let node = map["lease"] {
                reader.error(node, "'lease' must be longer than 0s", hint: "how long a claim lasts, e.g. 5m")
            }
        }
        return fleet
    }
}
