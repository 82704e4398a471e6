// `rekey run --log-format json`: one JSON line per finished job, then one for the summary,
// in the JSON convention (`JSONOutput`): every line has `schema_version`, `event` and `time`.
//
//   {"event":"job","outcome":{...},"schema_version":1,"time":"2026-11-25T12:00:00.000Z"}
//   {"backing_off":[...],"event":"summary","exit_code":0,"outcomes":[...],"pending_recovery":[],
//    "run_id":"...","schema_version":1,"seconds":0.569,"time":"..."}

import Foundation
import RekeyModel
import RekeyRunner

public enum RunJSONLines {
    /// The line for one finished job, printed at `time`.
    public static func job(_ outcome: JobOutcome, at time: Date) throws -> String {
        try JSONOutput.encode(JobLine(time: time, outcome: Outcome(outcome)), lines: true)
    }

    /// The run's last line, printed at `time`.
    public static func summary(_ summary: RunSummary, at time: Date) throws -> String {
        let line = SummaryLine(
            time: time, runID: summary.runID, exitCode: summary.exitStatus.rawValue,
            seconds: JSONOutput.seconds(summary.seconds), outcomes: summary.outcomes.map(Outcome.init),
            pendingRecovery: summary.pendingRecovery, backingOff: summary.backingOff)
        return try JSONOutput.encode(line, lines: true)
    }

    private struct JobLine: Encodable {
        var schemaVersion = JSONOutput.schemaVersion
        var event = "job"
        var time: Date
        var outcome: Outcome
    }

    private struct SummaryLine: Encodable {
        var schemaVersion = JSONOutput.schemaVersion
        var event = "summary"
        var time: Date
        var runID: String
        var exitCode: Int32
        var seconds: Double
        var outcomes: [Outcome]
        var pendingRecovery: [String]
        var backingOff: [RunSummary.BackingOff]
    }

    /// A job's outcome with every key present (`null` when absent) and its duration in
    /// milliseconds' precision.
    private struct Outcome: Encodable {
        var outcome: JobOutcome

        init(_ outcome: JobOutcome) { self.outcome = outcome }

        enum Key: String, CodingKey {
            case job, tenant, env, kind, attempts, seconds, message, errorName, errorID
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(outcome.job, forKey: .job)
            try container.encode(outcome.tenant, forKey: .tenant)
            try container.encode(outcome.env, forKey: .env)
            try container.encode(outcome.kind, forKey: .kind)
            try container.encode(outcome.attempts, forKey: .attempts)
            try container.encode(JSONOutput.seconds(outcome.seconds), forKey: .seconds)
            try container.encode(outcome.message, forKey: .message)
            try container.encode(outcome.errorName, forKey: .errorName)
            try container.encode(outcome.errorID, forKey: .errorID)
        }
    }
}
