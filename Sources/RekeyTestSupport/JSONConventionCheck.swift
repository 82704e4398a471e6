// Checks a JSON output against rekey's one JSON convention (`JSONOutput`): every key
// snake_case, `"schema_version": 1` at the top of the document (of every line for JSON
// Lines), times as RFC 3339 UTC with milliseconds, durations with at most three decimals,
// no escaped slash. Returns the problems, empty when the text follows the convention.

import Foundation
import RekeyModel

public enum JSONConventionCheck {
    /// Keys whose values are times: `time`, `expiry`, `since`, `until`, and every `*_at`,
    /// `*_due`, `last_success`, `last_attempt`.
    public static func isTimeKey(_ key: String) -> Bool {
        ["time", "expiry", "since", "until", "last_success", "last_attempt"].contains(key) || key.hasSuffix("_at")
            || key.hasSuffix("_due")
    }

    /// Keys whose values are durations in seconds.
    public static func isDurationKey(_ key: String) -> Bool {
        key == "seconds" || key.hasSuffix("_seconds")
    }

    /// The problems of a JSON document (or, with `lines`, of every line of a JSON Lines text).
    public static func problems(in text: String, lines: Bool = false) -> [String] {
        var problems: [String] = []
        if text.contains("\\/") { problems.append("an escaped slash (\\/)") }
        let documents = lines ? text.split(separator: "\n").map(String.init) : [text]
        if documents.isEmpty { problems.append("no JSON at all") }
        for document in documents {
            guard let value = try? JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
            else {
                problems.append("not JSON: \(document.prefix(200))")
                continue
            }
            guard let object = value as? [String: Any] else {
                problems.append("the top level is not an object")
                continue
            }
            if (object["schema_version"] as? NSNumber)?.intValue != 1 {
                problems.append("no \"schema_version\": 1 at the top level")
            }
            walk(value, path: "$", into: &problems)
        }
        return problems
    }

    static let snakeCase = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]*$")
    static let rfc3339UTC = try! NSRegularExpression(
        pattern: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"#)

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func walk(_ value: Any, path: String, key: String? = nil, into problems: inout [String]) {
        if let object = value as? [String: Any] {
            for (name, child) in object {
                if !matches(snakeCase, name) { problems.append("\(path): key '\(name)' is not snake_case") }
                walk(child, path: "\(path).\(name)", key: name, into: &problems)
            }
            return
        }
        if let array = value as? [Any] {
            for (index, child) in array.enumerated() {
                walk(child, path: "\(path)[\(index)]", key: key, into: &problems)
            }
            return
        }
        guard let key, !(value is NSNull) else { return }
        if isTimeKey(key) {
            guard let text = value as? String, matches(rfc3339UTC, text), Timestamps.parse(text) != nil else {
                problems.append("\(path): '\(value)' is not an RFC 3339 UTC time with milliseconds")
                return
            }
        }
        if isDurationKey(key), let number = value as? NSNumber {
            // The shortest text that reads back as this number: 0.569, never 0.5693234205245972.
            let text = "\(number.doubleValue)"
            let decimals = text.split(separator: ".").dropFirst().first.map { $0.count } ?? 0
            if text.contains("e") || (decimals > 3 && !text.hasSuffix(".0")) {
                problems.append("\(path): \(text) has more than 3 decimals")
            }
        }
    }
}
