// A new secret read from a vendor's 2xx answer. It must be a JSON string found exactly at
// the documented place, non-empty, without surrounding whitespace and without control
// characters; anything else — a number, a blank, a same-named key elsewhere, an escape
// the fallback cannot decode — is no secret, and the provider reports a malformed answer.

import Foundation

enum AnswerSecret {
    /// The secret at `path` (object keys from the top of the answer), or nil.
    static func read(at path: [String], in data: Data) -> String? {
        let found: String?
        if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            // A key given twice at the place is in doubt, whichever one the strict parser kept.
            guard !isRepeated(path, in: data) else { return nil }
            found = strictString(at: path[...], in: object)
        } else if case .string(let text)? = LenientJSONDocument.parse(data)?.value(at: path) {
            found = text
        } else {
            found = nil
        }
        guard let found, isClean(found) else { return nil }
        return found
    }

    /// Non-empty, no whitespace at either end, no control character, no replacement
    /// character (an undecodable byte), and no invisible format character at either end.
    static func isClean(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return false }
        for edge in [first, last]
        where edge.properties.isWhitespace || edge.properties.generalCategory == .format {
            return false
        }
        return !value.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{FFFD}" }
    }

    private static func strictString(at path: ArraySlice<String>, in object: Any) -> String? {
        guard let key = path.first else {
            // Numbers and booleans come back as NSNumber: never a secret.
            guard !(object is NSNumber) else { return nil }
            return object as? String
        }
        guard let dictionary = object as? [String: Any], let nested = dictionary[key] else { return nil }
        return strictString(at: path.dropFirst(), in: nested)
    }

    /// Whether the lenient reading finds a key on the way given more than once.
    private static func isRepeated(_ path: [String], in data: Data) -> Bool {
        guard !path.isEmpty, let document = LenientJSONDocument.parse(data) else { return false }
        for depth in 1...path.count {
            guard case .object(let members)? = document.value(at: path.prefix(depth - 1)) else { return false }
            if members.filter({ $0.key == path[depth - 1] }).count > 1 { return true }
        }
        return false
    }
}
