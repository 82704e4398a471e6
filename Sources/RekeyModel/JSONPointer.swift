// RFC 6901 JSON Pointers: where an `http` job finds the new secret, its id and its
// expiry in a vendor's answer. `""` is the whole document; `/a/b` walks object members
// (or array indices); `~1` is `/` and `~0` is `~` inside a token.

import Foundation

public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, in order.
    public var tokens: [String]

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// The pointer written as `text`, or nil when it is not RFC 6901 (does not start with
    /// `/`, or holds a `~` not followed by `0` or `1`).
    public init?(_ text: String) {
        if text.isEmpty {
            self.tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var scalars = raw.unicodeScalars.makeIterator()
            while let scalar = scalars.next() {
                guard scalar == "~" else {
                    token.unicodeScalars.append(scalar)
                    continue
                }
                switch scalars.next() {
                case "0": token += "~"
                case "1": token += "/"
                default: return nil
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// The array index a token names: `0`, or digits without a leading zero.
    public static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.first, token.allSatisfy(\.isASCII), token.allSatisfy(\.isNumber) else { return nil }
        guard first != "0" || token.count == 1 else { return nil }
        return Int(token)
    }
}
