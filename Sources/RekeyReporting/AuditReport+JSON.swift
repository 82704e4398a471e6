// `rekey audit report --format json`: the stable shape the README promises, in the JSON
// convention (`JSONOutput`). Every key of the document and of each job is always present,
// `null` when there is no value (the synthesized encoding would leave such keys out).

import Foundation
import RekeyModel

extension AuditReport {
    func json() throws -> String {
        try JSONOutput.encode(
            Document(generatedAt: generatedAt, since: filter.since, until: filter.until, jobs: rows))
    }

    private struct Document: Encodable {
        var generatedAt: Date
        var since: Date?
        var until: Date?
        var jobs: [AuditReportRow]

        enum CodingKeys: String, CodingKey {
            case schemaVersion, generatedAt, since, until, jobs
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(JSONOutput.schemaVersion, forKey: .schemaVersion)
            try container.encode(generatedAt, forKey: .generatedAt)
            try container.encode(since, forKey: .since)
            try container.encode(until, forKey: .until)
            try container.encode(jobs, forKey: .jobs)
        }
    }
}

extension AuditReportRow {
    private enum JSONKey: String, CodingKey {
        case job, tenant, env, provider, state, lastSuccess, lastAttempt, ageSeconds, nextDue, expiry
        case failuresInPeriod, consecutiveFailures, lastError, inJobFiles, lastHost
    }

    /// Every key, `null` for an absent value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        try container.encode(job, forKey: .job)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(env, forKey: .env)
        try container.encode(provider, forKey: .provider)
        try container.encode(state, forKey: .state)
        try container.encode(lastSuccess, forKey: .lastSuccess)
        try container.encode(lastAttempt, forKey: .lastAttempt)
        try container.encode(ageSeconds, forKey: .ageSeconds)
        try container.encode(nextDue, forKey: .nextDue)
        try container.encode(expiry, forKey: .expiry)
        try container.encode(failuresInPeriod, forKey: .failuresInPeriod)
        try container.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(inJobFiles, forKey: .inJobFiles)
        try container.encode(lastHost, forKey: .lastHost)
    }
}
