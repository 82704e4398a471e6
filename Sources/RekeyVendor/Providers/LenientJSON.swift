// Vendor answers as they are, not as they should be: QuestionPro's own documented
// examples are not valid JSON (an unquoted URL, missing commas). Parse strictly when
// possible, else pick the known fields out of the text.

import Foundation

enum LenientJSON {
    /// The string (or number) value of the first `"field": value` found at any depth.
    static func value(of field: String, in data: Data) -> String? {
        if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let found = search(field, in: object)
        {
            return found
        }
        return scan(field, in: String(decoding: data.prefix(1 << 20), as: UTF8.self))
    }

    private static func search(_ field: String, in object: Any) -> String? {
        if let dictionary = object as? [String: Any] {
            if let value = dictionary[field] {
                if let text = value as? String { return text }
                if let number = value as? NSNumber { return number.stringValue }
            }
            for (_, nested) in dictionary.sorted(by: { $0.key < $1.key }) {
                if let found = search(field, in: nested) { return found }
            }
        } else if let array = object as? [Any] {
            for nested in array {
                if let found = search(field, in: nested) { return found }
            }
        }
        return nil
    }

    /// `"field" : "text"` or `"field": 123`, tolerating broken surroundings. A string is
    /// decoded exactly (`JSONStringLiteral`); one with an invalid escape is no value.
    static func scan(_ field: String, in text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        let key = Array("\"\(field)\"".unicodeScalars)
        guard let keyStart = firstIndex(of: key, in: scalars) else { return nil }
        var index = keyStart + key.count
        func skipSpaces() {
            while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        }
        skipSpaces()
        guard index < scalars.count, scalars[index] == ":" else { return nil }
        index += 1
        skipSpaces()
        guard index < scalars.count else { return nil }
        if scalars[index] == "\"" {
            return JSONStringLiteral.scan(scalars, from: index + 1)?.value
        }
        var value = ""
        while index < scalars.count, !",}\n\r]".unicodeScalars.contains(scalars[index]),
            !scalars[index].properties.isWhitespace
        {
            value.unicodeScalars.append(scalars[index])
            index += 1
        }
        // Only a bare number is a value: anything else unquoted (`<html>`, a template
        // placeholder) is a broken answer, and taking it as a key would lose the real one.
        guard !value.isEmpty, value.allSatisfy({ "0123456789+-.eE".contains($0) }), value.contains(where: \.isNumber)
        else { return nil }
        return value
    }

    private static func firstIndex(of needle: [Unicode.Scalar], in scalars: [Unicode.Scalar]) -> Int? {
        guard !needle.isEmpty, scalars.count >= needle.count else { return nil }
        return (0...(scalars.count - needle.count)).first { start in
            scalars[start..<start + needle.count].elementsEqual(needle)
        }
    }
}
