// Removes every known secret from a text before it is kept anywhere (the audit log, the
// run summary): raw, and in the forms a program is likely to print it in — base64 (with
// and without padding, standard and URL-safe), percent-encoded and JSON-escaped.

import Foundation

public enum SecretScrubber {
    public static let replacement = "<redacted>"

    /// `text` with every form of every secret replaced, longest forms first.
    public static func scrub(_ text: String, secrets: [Secret]) -> String {
        var forms = Set<String>()
        for secret in secrets where !secret.isEmpty {
            let raw = secret.revealed
            forms.insert(raw)
            let base64 = Data(raw.utf8).base64EncodedString()
            forms.insert(base64)
            forms.insert(base64.trimmingCharacters(in: CharacterSet(charactersIn: "=")))
            let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            forms.insert(urlSafe)
            forms.insert(urlSafe.trimmingCharacters(in: CharacterSet(charactersIn: "=")))
            if let percent = raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.insert(percent) }
            if let query = raw.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) { forms.insert(query) }
            if let json = try? JSONEncoder().encode(raw), let quoted = String(data: json, encoding: .utf8),
                quoted.count >= 2
            {
                forms.insert(String(quoted.dropFirst().dropLast()))
            }
        }
        var result = text
        for form in forms.filter({ $0.count >= 4 }).sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: form, with: replacement)
        }
        return result
    }
}
