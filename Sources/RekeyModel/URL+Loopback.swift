// Which URLs may be plain http: a loopback host only. One rule shared by job-file
// validation and the HTTP client, so a URL that validates is a URL the client sends to.

import Foundation

extension URL {
    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (`127.example.com` is remote).
    public var isLoopback: Bool {
        guard let host = host?.lowercased() else { return false }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
