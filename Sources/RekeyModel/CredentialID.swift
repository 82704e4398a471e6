// A vendor's id for one credential: what a two-key rotation's revoke request names
// (`{{previous.id}}`), read from the issue answer or given as a job's `previous_id:`. Not a
// secret, but it travels in a URL path, so an id that could change where the request goes
// is refused wherever one enters rekey: in a job file at validation, in a request before it
// is sent.

public enum CredentialID {
    /// Whether `id` may name a credential in a request: not empty, none of `/ ? # %`, no
    /// `..`, no CR, LF or NUL (percent-encoding alone would not stop a vendor or a proxy
    /// that decodes before routing).
    public static func isSafe(_ id: String) -> Bool {
        !id.isEmpty && !id.contains("..")
            && !id.unicodeScalars.contains { "/?#%\r\n\0".unicodeScalars.contains($0) }
    }

    /// What `isSafe` refuses, for messages (the id itself is echoed only by the caller).
    public static let refusedCharacters = "'/', '?', '#', '%', '..', CR, LF or NUL"
}
