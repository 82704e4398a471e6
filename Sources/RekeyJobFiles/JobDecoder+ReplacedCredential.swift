// A regenerate replaces the credential it was called with, so the next run must read
// the new key where rekey delivered it: a `{sink:}` (any kind), or a `{file:}` that is
// also a `file` sink of the job. An `{env:}` variable cannot receive the new key: such a
// job would rotate once and then fail forever.

import Foundation
import RekeyModel

extension JobDecoder {
    /// Whether `reference`, the credential `kind`'s rotation replaces, is where the new
    /// key is delivered; reports why not.
    mutating func canReceiveNewKey(
        _ reference: CredentialReference, _ node: YAMLNode, key: String, _ kind: ProviderKind, _ sinks: [SinkSpec]
    ) -> Bool {
        let sinkID = sinks.first?.id ?? "SINK_ID"
        let hint =
            "write {sink: \(sinkID)}, or any other sink of this job, or {file: PATH} where PATH is also a 'file' sink of this job"
        switch reference {
        case .sink:
            return true
        case .env(let name):
            reader.error(
                node,
                "'\(key)' of a '\(kind.rawValue)' job cannot come from {env: \(name)}: each regenerate replaces the key, and rekey cannot put the new one back into a variable, so the next run would fail",
                hint: hint)
            return false
        case .file(let path):
            let resolved = ResolvedPath.resolve(path)
            let matches = sinks.filter { $0.path == path || ResolvedPath.resolve($0.path) == resolved }
            if matches.contains(where: { $0.kind == .file }) { return true }
            if let envFile = matches.first {
                reader.error(
                    node,
                    "'\(key)' would read the whole of \(path), but that file is env-file sink '\(envFile.id)', which holds KEY='…' lines",
                    hint: "write {sink: \(envFile.id)}")
            } else {
                reader.error(
                    node,
                    "'\(key)' of a '\(kind.rawValue)' job comes from \(path), which is not one of this job's sinks: each regenerate replaces the key, and the next run must read the new one where rekey wrote it",
                    hint: hint)
            }
            return false
        }
    }
}
