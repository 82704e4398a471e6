// The env-file format rekey writes and reads: one quoting scheme (single quotes) that bash
// (`set -a; . file`), python-dotenv and systemd `EnvironmentFile=` all read as the same
// value, and a small lexer that finds `KEY=...` assignments (also `export KEY=...`,
// multi-line quoted values) so a rewrite touches only them.
//
// The scheme, checked empirically against bash 5, python-dotenv 1.2 and systemd 252:
// the value goes between single quotes, `KEY='value'`. Inside single quotes bash and
// systemd (since v241) take every character literally. python-dotenv does too, except
// that it turns `\\` into `\`, reads `\'` as an escaped quote (so a value ending in `\`
// swallows the next line) and expands `${NAME}` (even in single quotes). So a value is
// carried when it is non-empty and contains no single quote, no control character
// (U+0000–U+001F, U+007F–U+009F: newline, CR, tab, NUL…), no two backslashes in a row, no
// `${`, and does not end with a backslash. Everything else is carried unchanged: spaces (also leading/trailing), `$`
// (not followed by `{`), backtick, `"`, a lone `\`, `#`, `=`, `;`, `!`, `%`, `~`, `*`, and
// any printable Unicode. Base64, hex, JWTs and the vendors' keys are always carried.

enum EnvFileSyntax {
    /// `[A-Za-z_][A-Za-z0-9_]*`: what bash, systemd and dotenv all accept as a name.
    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, isNameStart(first) else { return false }
        return key.unicodeScalars.allSatisfy(isNameCharacter)
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_"
    }

    static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || (c >= "0" && c <= "9")
    }

    /// Why a value cannot be carried, phrased to follow "it ..." in an error. Never the value.
    static func unrepresentableRule(_ value: String) -> String? {
        if value.isEmpty { return "is empty" }
        for c in value.unicodeScalars {
            if c == "'" { return "contains a single quote" }
            if c.properties.generalCategory == .control {
                return "contains a control character (newline, tab, NUL or similar)"
            }
        }
        if value.contains("\\\\") { return "contains two backslashes in a row (python-dotenv would read them as one)" }
        if value.hasSuffix("\\") {
            return
                "ends with a backslash (python-dotenv would read `\\'` as an escaped quote and run into the next line)"
        }
        if value.contains("${") { return "contains `${` (python-dotenv would expand it as a variable)" }
        return nil
    }

    /// `'value'`, or the rule the value breaks.
    static func quote(_ value: String) -> Result<String, RuleViolation> {
        if let rule = unrepresentableRule(value) { return .failure(RuleViolation(rule: rule)) }
        return .success("'" + value + "'")
    }

    struct RuleViolation: Error, Hashable {
        var rule: String
    }

    /// One `KEY=value` assignment found in a file.
    struct Assignment: Hashable {
        var key: String
        /// Scalar offsets of the whole assignment: from the start of its first line to just
        /// after the newline that ends it (or the end of the file).
        var range: Range<Int>
        /// What precedes the key on its line, verbatim (indentation, `export `).
        var prefix: String
        /// How the assignment's last line ends: "\n", "\r\n" or "" at the end of the file.
        var terminator: String
        /// The value a shell reads, or why rekey cannot be sure of it.
        var value: Result<String, Unreadable>
    }

    struct Unreadable: Error, Hashable {
        var reason: String
    }

    struct Malformed: Error, Hashable {
        var line: Int
        var reason: String
    }

    /// Finds every assignment (of any key) in `text`. Lines that are not assignments
    /// (comments, blanks, anything else) are left for the caller to copy verbatim.
    static func assignments(in text: String) -> Result<[Assignment], Malformed> {
        var lexer = Lexer(Array(text.unicodeScalars))
        return lexer.run()
    }

    struct Lexer {
        let s: [Unicode.Scalar]
        var p = 0
        var line = 1

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        var atEnd: Bool { p >= s.count }
        var current: Unicode.Scalar? { p < s.count ? s[p] : nil }

        mutating func advance() {
            if s[p] == "\n" { line += 1 }
            p += 1
        }

        mutating func skipBlanks() {
            while let c = current, c == " " || c == "\t" { advance() }
        }

        /// Moves just past the next newline (or to the end).
        mutating func skipLine() {
            while let c = current {
                advance()
                if c == "\n" { return }
            }
        }

        mutating func run() -> Result<[Assignment], Malformed> {
            var found: [Assignment] = []
            while !atEnd {
                let start = p
                let startLine = line
                skipBlanks()
                // `export` followed by blanks is a prefix; `export=1` or `exportFOO=` are names.
                if matches("export"), let after = s[safe: p + 6], after == " " || after == "\t" {
                    for _ in 0..<6 { advance() }
                    skipBlanks()
                }
                guard let first = current, EnvFileSyntax.isNameStart(first) else {
                    skipLine()
                    continue
                }
                let nameStart = p
                while let c = current, EnvFileSyntax.isNameCharacter(c) { advance() }
                let key = String(String.UnicodeScalarView(s[nameStart..<p]))
                let prefix = String(String.UnicodeScalarView(s[start..<nameStart]))
                skipBlanks()
                guard current == "=" else {
                    skipLine()
                    continue
                }
                let spaceBeforeEquals = s[p - 1] == " " || s[p - 1] == "\t"
                advance()
                switch value(startLine: startLine) {
                case .failure(let malformed):
                    return .failure(malformed)
                case .success(var value):
                    if spaceBeforeEquals, case .success = value {
                        value = .failure(
                            Unreadable(reason: "has blanks around `=` (bash does not read that as an assignment)"))
                    }
                    let end = p
                    var terminator = ""
                    if end > start, s[end - 1] == "\n" {
                        terminator = end - 2 >= start && s[end - 2] == "\r" ? "\r\n" : "\n"
                    }
                    found.append(
                        Assignment(key: key, range: start..<end, prefix: prefix, terminator: terminator, value: value))
                }
            }
            return .success(found)
        }

        func matches(_ word: String) -> Bool {
            var i = p
            for c in word.unicodeScalars {
                guard i < s.count, s[i] == c else { return false }
                i += 1
            }
            return true
        }

        /// Reads the value after `=` the way bash would, to the end of its (last) line. A value
        /// whose meaning depends on expansion or on which reader reads it is `Unreadable`.
        mutating func value(startLine: Int) -> Result<Result<String, Unreadable>, Malformed> {
            var value = ""
            var doubt: String? = nil
            func doubtful(_ reason: String) { if doubt == nil { doubt = reason } }
            if current == " " || current == "\t" {
                skipBlanks()
                if let c = current, c != "\n", c != "#" {
                    doubtful("has a blank after `=` (bash would run the rest as a command)")
                }
            }
            scan: while let c = current {
                switch c {
                case " ", "\t", "\n", "\r":
                    break scan
                case "'":
                    advance()
                    while let q = current, q != "'" {
                        value.unicodeScalars.append(q)
                        advance()
                    }
                    guard current == "'" else {
                        return .failure(Malformed(line: startLine, reason: "a single quote that is never closed"))
                    }
                    advance()
                case "\"":
                    advance()
                    while let q = current, q != "\"" {
                        if q == "\\", let next = s[safe: p + 1] {
                            advance()
                            switch next {
                            case "\\", "\"", "$", "`": value.unicodeScalars.append(next)
                            case "\n": break  // a line continuation
                            default:
                                value.unicodeScalars.append("\\")
                                value.unicodeScalars.append(next)
                            }
                            advance()
                            continue
                        }
                        if q == "$" || q == "`" {
                            doubtful("uses `$` or a backtick inside double quotes (shell expansion)")
                        }
                        value.unicodeScalars.append(q)
                        advance()
                    }
                    guard current == "\"" else {
                        return .failure(Malformed(line: startLine, reason: "a double quote that is never closed"))
                    }
                    advance()
                case "\\":
                    doubtful("has a backslash outside quotes (bash and python-dotenv read it differently)")
                    advance()
                    if let next = current {
                        if next != "\n" { value.unicodeScalars.append(next) }
                        advance()
                    }
                case "$", "`":
                    doubtful("uses `$` or a backtick outside quotes (shell expansion)")
                    value.unicodeScalars.append(c)
                    advance()
                case ";", "&", "|", "<", ">", "(", ")":
                    doubtful("has a shell operator outside quotes")
                    value.unicodeScalars.append(c)
                    advance()
                default:
                    value.unicodeScalars.append(c)
                    advance()
                }
            }
            // After the value: blanks, then an optional comment, then the end of the line.
            skipBlanks()
            if current == "\r", s[safe: p + 1] == "\n" || s[safe: p + 1] == nil { advance() }
            if let c = current, c != "\n" {
                if c != "#" { doubtful("is followed by more text on its line") }
            }
            skipLine()
            if let doubt { return .success(.failure(Unreadable(reason: doubt))) }
            return .success(.success(value))
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
