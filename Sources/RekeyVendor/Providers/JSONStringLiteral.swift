// Exact decoding of one JSON string literal (RFC 8259 §7) for the lenient fallback:
// `\" \\ \/ \b \f \n \r \t` and `\uXXXX`, a surrogate pair only as a pair. Anything else
// makes the value undecodable — a secret is read exactly or not at all, never guessed.

enum JSONStringLiteral {
    /// The literal that starts right after an opening quote at `start`.
    struct Scanned {
        /// The decoded text; nil when an escape was invalid or a surrogate was alone.
        var value: String?
        /// The index just past the closing quote.
        var end: Int
    }

    /// Reads up to the closing quote; nil when the text ends first (an unterminated string).
    static func scan(_ scalars: [Unicode.Scalar], from start: Int) -> Scanned? {
        var index = start
        var value: String? = ""
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\"" { return Scanned(value: value, end: index + 1) }
            guard scalar == "\\" else {
                value?.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            guard let (decoded, next) = escape(scalars, at: index) else {
                // Keep looking for the end of the literal, but its value is lost.
                value = nil
                index += 2
                continue
            }
            value?.unicodeScalars.append(decoded)
            index = next
        }
        return nil
    }

    /// The escape starting at the backslash at `index`: the scalar and the index after it.
    private static func escape(_ scalars: [Unicode.Scalar], at index: Int) -> (Unicode.Scalar, Int)? {
        guard index + 1 < scalars.count else { return nil }
        switch scalars[index + 1] {
        case "\"": return ("\"", index + 2)
        case "\\": return ("\\", index + 2)
        case "/": return ("/", index + 2)
        case "b": return ("\u{08}", index + 2)
        case "f": return ("\u{0C}", index + 2)
        case "n": return ("\n", index + 2)
        case "r": return ("\r", index + 2)
        case "t": return ("\t", index + 2)
        case "u": break
        default: return nil
        }
        guard let unit = hex4(scalars, at: index + 2) else { return nil }
        switch unit {
        case 0xD800...0xDBFF:
            // A high surrogate counts only with a low surrogate escaped right after it.
            guard index + 7 < scalars.count, scalars[index + 6] == "\\", scalars[index + 7] == "u",
                let low = hex4(scalars, at: index + 8), (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            else { return nil }
            return (scalar, index + 12)
        case 0xDC00...0xDFFF:
            return nil
        default:
            return Unicode.Scalar(unit).map { ($0, index + 6) }
        }
    }

    /// Exactly four hex digits at `index`.
    private static func hex4(_ scalars: [Unicode.Scalar], at index: Int) -> UInt32? {
        guard index + 4 <= scalars.count else { return nil }
        var unit: UInt32 = 0
        for scalar in scalars[index..<index + 4] {
            guard scalar.isASCII, let digit = UInt32(String(scalar), radix: 16) else { return nil }
            unit = unit << 4 | digit
        }
        return unit
    }
}
