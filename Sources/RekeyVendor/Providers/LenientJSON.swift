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

    /// `"field" : "text"` or `"field": 123`, tolerating broken surroundings.
    static func scan(_ field: String, in text: String) -> String? {
        guard let keyRange = text.range(of: "\"\(field)\"") else { return nil }
        var index = keyRange.upperBound
        func skipSpaces() {
            while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        }
        skipSpaces()
        guard index < text.endIndex, text[index] == ":" else { return nil }
        index = text.index(after: index)
        skipSpaces()
        guard index < text.endIndex else { return nil }
        if text[index] == "\"" {
            var value = ""
            index = text.index(after: index)
            while index < text.endIndex, text[index] != "\"" {
                if text[index] == "\\" {
                    index = text.index(after: index)
                    guard index < text.endIndex else { return nil }
                }
                value.append(text[index])
                index = text.index(after: index)
            }
            return index < text.endIndex ? value : nil
        }
        var value = ""
        while index < text.endIndex, !",}\n\r]".contains(text[index]), !text[index].isWhitespace {
            value.append(text[index])
            index = text.index(after: index)
        }
        // Only a bare number is a value: anything else unquoted (`<html>`, a template
        // placeholder) is a broken answer, and taking it as a key would lose the real one.
        guard !value.isEmpty, value.allSatisfy({ "0123456789+-.eE".contains($0) }), value.contains(where: \.isNumber)
        else { return nil }
        return value
    }
}
