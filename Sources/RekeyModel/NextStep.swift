// The ways out that messages point to, each written once, so every message that sends an
// operator somewhere sends them to the same command.

public enum NextStep {
    /// The way out of needs-recovery: deliver a key obtained from the vendor by hand.
    public static func adopt(job: String) -> String { "run `rekey adopt --job \(job)`" }
}

extension NextStep {
    /// Two-key: the way out when a vendor refuses another credential.
    public static func freeCredentialSlot(job: String) -> String {
        "Revoke at the vendor a credential of this account that no sink of job '\(job)' holds (one a failed or interrupted run may have left; `rekey audit report --events --job \(job)` lists them), or wait for the pending revoke to run; the next run issues again"
    }

    /// Two-key: what to do about a credential the vendor may have issued whose answer was lost.
    public static func revokeOrphan(job: String) -> String {
        "Look at the vendor's credentials for this account: one created at that time that no sink of job '\(job)' holds is orphaned; revoke it by hand (rekey cannot name it: the answer with its id was lost). The next run issues again"
    }
}
