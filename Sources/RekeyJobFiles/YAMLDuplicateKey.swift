// A mapping that names a key twice. The parser reports only the first occurrence, so
// the second is found again in the text: at the same indentation further down in a
// block mapping, or after a comma at the same nesting in a flow mapping. The diagnostic
// points at the second and names the first; it never quotes the lines (they may hold secrets).

import Foundation
import RekeyModel
import Yams

package enum YAMLDuplicateKey {
    package static func diagnostic(keys: [String], first: Mark, in text: String, file: String) -> Diagnostic {
        let key = keys.first ?? ""
        let others = keys.dropFirst().map { "'\($0)'" }
        var message = "duplicate key '\(key)'"
        let firstPlace = "line \(first.line), column \(first.column)"
        var location = SourceLocation(file: file, line: first.line, column: first.column)
        if let second = secondOccurrence(of: key, first: first, in: text) {
            location = SourceLocation(file: file, line: second.line, column: second.column)
            message += " (first at \(firstPlace))"
        } else {
            message += " (first at \(firstPlace), again later in the same mapping)"
        }
        if !others.isEmpty { message += "; also repeated there: \(others.joined(separator: ", "))" }
        return Diagnostic(.error, location, message, hint: "keep one of them: YAML does not say which one wins")
    }

    /// One character of the text with its 1-based line and column (columns count Unicode scalars, like libyaml).
    private struct Place {
        var scalar: Unicode.Scalar
        var line: Int
        var column: Int
    }

    private static func places(_ text: String) -> [Place] {
        var places: [Place] = []
        var (line, column) = (1, 1)
        for scalar in text.unicodeScalars {
            places.append(Place(scalar: scalar, line: line, column: column))
            if scalar == "\n" {
                (line, column) = (line + 1, 1)
            } else if scalar != "\r" {
                column += 1
            }
        }
        return places
    }

    package static func secondOccurrence(of key: String, first: Mark, in text: String) -> (line: Int, column: Int)? {
        let places = places(text)
        guard let start = places.firstIndex(where: { $0.line == first.line && $0.column == first.column }),
            let length = keyLength(key, at: start, in: places)
        else { return nil }
        var before = start - 1
        while before >= 0, places[before].scalar == " " || places[before].scalar == "\t" { before -= 1 }
        let inFlow = before >= 0 && (places[before].scalar == "{" || places[before].scalar == ",")
        let found =
            inFlow
            ? flowSearch(key, from: start + length, in: places)
            : blockSearch(key, column: first.column, from: start, in: places)
        return found.map { (places[$0].line, places[$0].column) }
    }

    /// The next key of the block mapping whose keys sit at `column`, up to the first
    /// line that is indented less.
    private static func blockSearch(_ key: String, column: Int, from start: Int, in places: [Place]) -> Int? {
        var index = start
        while index < places.count {
            // Move to the first non-blank character of the next line.
            while index < places.count, places[index].scalar != "\n" { index += 1 }
            index += 1
            while index < places.count, places[index].scalar == " " { index += 1 }
            guard index < places.count else { return nil }
            let scalar = places[index].scalar
            if scalar == "\n" || scalar == "\r" || scalar == "#" { continue }
            if places[index].column < column { return nil }
            if places[index].column == column, keyLength(key, at: index, in: places) != nil { return index }
        }
        return nil
    }

    /// The next key after a comma at the same nesting, up to the mapping's closing brace.
    private static func flowSearch(_ key: String, from start: Int, in places: [Place]) -> Int? {
        var (index, depth, expectingKey) = (start, 0, false)
        while index < places.count {
            let scalar = places[index].scalar
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
                continue
            }
            if depth == 0 && expectingKey && keyLength(key, at: index, in: places) != nil { return index }
            expectingKey = false
            switch scalar {
            case "{", "[": depth += 1
            case "}", "]":
                if depth == 0 { return nil }
                depth -= 1
            case ",": expectingKey = depth == 0
            case "\"", "'": index = closingQuote(from: index, in: places)
            default: break
            }
            index += 1
        }
        return nil
    }

    private static func closingQuote(from open: Int, in places: [Place]) -> Int {
        let quote = places[open].scalar
        var index = open + 1
        while index < places.count {
            if quote == "\"" && places[index].scalar == "\\" {
                index += 2
                continue
            }
            if places[index].scalar == quote {
                if quote == "'" && index + 1 < places.count && places[index + 1].scalar == "'" {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return index
    }

    /// The length of `key` written at `index` (plain, '…' or "…") when a ':' follows it.
    private static func keyLength(_ key: String, at index: Int, in places: [Place]) -> Int? {
        let scalars = Array(key.unicodeScalars)
        for quote in [nil, "\"", "'"] as [Unicode.Scalar?] {
            var cursor = index
            if let quote {
                guard cursor < places.count, places[cursor].scalar == quote else { continue }
                cursor += 1
            }
            guard cursor + scalars.count <= places.count,
                zip(places[cursor..<cursor + scalars.count], scalars).allSatisfy({ $0.scalar == $1 })
            else { continue }
            cursor += scalars.count
            if let quote {
                guard cursor < places.count, places[cursor].scalar == quote else { continue }
                cursor += 1
            }
            var colon = cursor
            while colon < places.count, places[colon].scalar == " " || places[colon].scalar == "\t" { colon += 1 }
            if colon < places.count, places[colon].scalar == ":" { return colon + 1 - index }
        }
        return nil
    }
}
