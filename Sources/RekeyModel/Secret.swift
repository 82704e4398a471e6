// A credential value that never prints itself: `description`, `debugDescription`,
// string interpolation and `dump` all show `<redacted>`.

public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The raw value. Read it only where the secret must leave the process
    /// (an HTTP header, a sink file) — never to log or to build a message.
    public let revealed: String

    public init(_ value: String) {
        self.revealed = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    public var isEmpty: Bool { revealed.isEmpty }
}
