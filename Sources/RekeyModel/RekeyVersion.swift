// The version rekey reports in `--version`, the User-Agent and audit rows.

public enum RekeyVersion {
    public static let current = "0.1.0"
}
