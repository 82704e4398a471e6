// The lenient fallback as a document, for reading a secret at its documented place when
// an answer is not strict JSON: trailing or missing commas and unquoted junk values are
// tolerated, but the nesting is kept, so a same-named key elsewhere is never taken.

import Foundation

/// A vendor answer parsed leniently, keeping its structure.
indirect enum LenientJSONDocument {
    /// Members in order; a key whose escapes could not be decoded is nil.
    case object([(key: String?, value: LenientJSONDocument)])
    case array([LenientJSONDocument])
    /// A string; nil when an escape was invalid or a surrogate was alone.
    case string(String?)
    /// Anything unquoted: a number, `true`, `null`, or junk such as a bare URL.
    case bare(String)

    /// Nesting deeper than this is not a vendor answer.
    static let maximumDepth = 64

    /// The whole answer, or nil when its structure is broken (unterminated, trailing text).
    static func parse(_ data: Data) -> LenientJSONDocument? {
        var parser = Parser(scalars: Array(String(decoding: data.prefix(1 << 20), as: UTF8.self).unicodeScalars))
        parser.skipWhitespace()
        guard let document = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.isAtEnd ? document : nil
    }

    /// The value at `path` (object keys from the top), when each key is there exactly once
    /// and no key on the way is undecodable — otherwise the place is in doubt.
    func value(at path: some Collection<String>) -> LenientJSONDocument? {
        guard let key = path.first else { return self }
        guard case .object(let members) = self, !members.contains(where: { $0.key == nil }) else { return nil }
        let matches = members.filter { $0.key == key }
        guard matches.count == 1 else { return nil }
        return matches[0].value.value(at: path.dropFirst())
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        var isAtEnd: Bool { index >= scalars.count }

        mutating func skipWhitespace() {
            while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        }

        mutating func value(depth: Int) -> LenientJSONDocument? {
            guard index < scalars.count, depth < LenientJSONDocument.maximumDepth else { return nil }
            switch scalars[index] {
            case "{": return object(depth: depth)
            case "[": return array(depth: depth)
            case "\"":
                guard let literal = JSONStringLiteral.scan(scalars, from: index + 1) else { return nil }
                index = literal.end
                return .string(literal.value)
            default:
                var text = ""
                while index < scalars.count, !",{}[]\"".unicodeScalars.contains(scalars[index]),
                    !scalars[index].properties.isWhitespace
                {
                    text.unicodeScalars.append(scalars[index])
                    index += 1
                }
                return text.isEmpty ? nil : .bare(text)
            }
        }

        /// After `{`: members, commas optional (the seed's examples miss some), a trailing one allowed.
        mutating func object(depth: Int) -> LenientJSONDocument? {
            index += 1
            var members: [(key: String?, value: LenientJSONDocument)] = []
            while true {
                skipWhitespace()
                guard index < scalars.count else { return nil }
                switch scalars[index] {
                case "}":
                    index += 1
                    return .object(members)
                case ",":
                    index += 1
                case "\"":
                    guard let key = JSONStringLiteral.scan(scalars, from: index + 1) else { return nil }
                    index = key.end
                    skipWhitespace()
                    guard index < scalars.count, scalars[index] == ":" else { return nil }
                    index += 1
                    skipWhitespace()
                    guard let value = value(depth: depth + 1) else { return nil }
                    members.append((key.value, value))
                default:
                    return nil
                }
            }
        }

        /// After `[`: elements, commas optional, a trailing one allowed.
        mutating func array(depth: Int) -> LenientJSONDocument? {
            index += 1
            var elements: [LenientJSONDocument] = []
            while true {
                skipWhitespace()
                guard index < scalars.count else { return nil }
                switch scalars[index] {
                case "]":
                    index += 1
                    return .array(elements)
                case ",":
                    index += 1
                default:
                    guard let element = value(depth: depth + 1) else { return nil }
                    elements.append(element)
                }
            }
        }
    }
}
