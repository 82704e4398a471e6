// The ways out that messages point to, each written once, so every message that sends an
// operator somewhere sends them to the same command.

public enum NextStep {
    /// The way out of needs-recovery: deliver a key obtained from the vendor by hand.
    public static func adopt(job: String) -> String { "run `rekey adopt --job \(job)`" }
}
