// Where the database password comes from, as libpq looks for it: PGPASSWORD, else the
// first matching line of the password file (PGPASSFILE, else ~/.pgpass), which — like
// libpq — is ignored unless it is private (0600). None found is fine: the server may trust
// the connection or use a client certificate. The password is never printed.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public enum PostgresPassword {
    /// The password for `url`, or nil when none is configured.
    public static func lookup(
        for url: PostgresURL, environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory()
    ) -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file = environment["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.pgpass"
        var info = stat()
        guard stat(file, &info) == 0, info.st_mode & 0o077 == 0,
            let text = try? String(contentsOfFile: file, encoding: .utf8)
        else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            let wanted = [url.host, String(url.port), url.database, url.user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// `hostname:port:database:username:password`, where `\:` and `\\` are literal.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
