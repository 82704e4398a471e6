// A job's credential keys and the one its rotation replaces, per provider. The built-in
// kinds fix them (`ProviderKind`); an `http` job names them in its templates and says
// which one a regenerate or two-key rotation replaces (`replaces:`, or the one credential
// its issue request sends). A login replaces none: its inputs stay valid.

extension ProviderSpec {
    /// The credentials the provider uses; the first is the "current" one (probed before a
    /// regenerate, fingerprinted as the old key).
    public var credentialKeys: [String] {
        guard case .http(let spec) = self else { return kind.credentialKeys }
        guard let replaces = spec.replaces else { return spec.credentialNames }
        return [replaces] + spec.credentialNames.filter { $0 != replaces }
    }

    /// The credential key whose value a rotation replaces, or nil when the credentials are
    /// login inputs that stay valid.
    public var replacedCredentialKey: String? {
        guard case .http(let spec) = self else { return kind.replacedCredentialKey }
        return spec.rotation == .login ? nil : spec.replaces
    }

    /// The rotation kills the credential it replaces (a regenerate): the app is down until
    /// it reloads onto the new one. A login and a two-key issue leave the old one working.
    public var rotationKillsOldCredential: Bool { replacedCredentialKey != nil && twoKeyRevoke == nil }
}
