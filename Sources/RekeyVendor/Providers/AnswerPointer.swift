// A value read from a described vendor's 2xx answer at an RFC 6901 JSON Pointer. The answer
// must be strict JSON; the place must exist exactly once (a member given twice is in
// doubt); a secret must be a clean string (`AnswerSecret.isClean`). What went wrong is
// said with the pointer, never with the body.

import Foundation
import RekeyModel

enum AnswerPointer {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case notJSON
        case nothing(JSONPointer)
        case repeated(JSONPointer)
        case notString(JSONPointer)
        case unclean(JSONPointer)

        var description: String {
            switch self {
            case .notJSON: "the answer is not JSON"
            case .nothing(let pointer): "the answer has nothing at \(pointer.described)"
            case .repeated(let pointer): "the answer gives a member on the way to \(pointer.described) twice"
            case .notString(let pointer): "the value at \(pointer.described) is not a string"
            case .unclean(let pointer):
                "the value at \(pointer.described) is empty or holds whitespace or control characters"
            }
        }
    }

    /// The string at `pointer`, clean enough to be a secret or an id.
    static func string(at pointer: JSONPointer, in data: Data) -> Result<String, Failure> {
        switch value(at: pointer, in: data) {
        case .failure(let failure): return .failure(failure)
        case .success(.string(let text?)):
            return AnswerSecret.isClean(text) && !text.unicodeScalars.contains(where: \.properties.isWhitespace)
                ? .success(text) : .failure(.unclean(pointer))
        case .success(.string(nil)): return .failure(.unclean(pointer))
        case .success: return .failure(.notString(pointer))
        }
    }

    /// An expiry at `pointer`: an RFC 3339 string or epoch seconds.
    static func date(at pointer: JSONPointer, in data: Data) -> Date? {
        switch value(at: pointer, in: data) {
        case .success(.string(let text?)):
            return ISO8601DateFormatter().date(from: text)
                ?? {
                    let formatter = ISO8601DateFormatter()
                    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                    return formatter.date(from: text)
                }()
        case .success(.bare(let text)):
            return Double(text).map { Date(timeIntervalSince1970: $0) }
        default:
            return nil
        }
    }

    static func value(at pointer: JSONPointer, in data: Data) -> Result<LenientJSONDocument, Failure> {
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil,
            let document = LenientJSONDocument.parse(data)
        else { return .failure(.notJSON) }
        var current = document
        for token in pointer.tokens {
            switch current {
            case .object(let members):
                let matches = members.filter { $0.key == token }
                if matches.count > 1 || members.contains(where: { $0.key == nil }) {
                    return .failure(.repeated(pointer))
                }
                guard let match = matches.first else { return .failure(.nothing(pointer)) }
                current = match.value
            case .array(let items):
                guard let index = JSONPointer.arrayIndex(token), index < items.count else {
                    return .failure(.nothing(pointer))
                }
                current = items[index]
            default:
                return .failure(.nothing(pointer))
            }
        }
        return .success(current)
    }
}

extension JSONPointer {
    /// The pointer for messages: `/data/key`, or "the top" for the whole answer.
    var described: String { tokens.isEmpty ? "the top" : description }
}
