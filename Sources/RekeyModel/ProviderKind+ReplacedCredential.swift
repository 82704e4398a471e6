// Which of a job's credentials its own rotation replaces. A regenerate (QuestionPro)
// kills the key it was called with and returns the new one, so that credential must
// be read back from where rekey delivers the new key; a login (Qrvey) leaves its
// inputs valid, so they may live anywhere.

extension ProviderKind {
    /// The credential key whose value a rotation of this kind replaces, or nil when the
    /// kind's credentials are login inputs that stay valid.
    public var replacedCredentialKey: String? {
        switch self {
        case .questionProAPIKey: "api_key"
        case .qrveyAdminToken, .qrveyComposerToken: nil
        // Per job: `ProviderSpec.replacedCredentialKey`.
        case .http: nil
        }
    }
}
