// What the process does before it reads any secret: a crash must not write keys into a
// core file (non-dumpable, RLIMIT_CORE 0), and a closed stdout — `rekey run | head`, a
// hung-up terminal — must not kill a run mid-regenerate with SIGPIPE (ignored; console
// writes then see EPIPE and drop the line).

import CRekeySystem

#if canImport(Glibc)
    import Glibc
#endif

public enum ProcessHardening {
    /// Applies every protection; the first that fails is returned (the caller warns and goes on).
    @discardableResult
    public static func apply() -> String? {
        var problems: [String] = []
        signal(SIGPIPE, SIG_IGN)
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        if setrlimit(Int32(RLIMIT_CORE.rawValue), &noCore) != 0 {
            problems.append("cannot set RLIMIT_CORE to 0: \(String(cString: strerror(errno)))")
        }
        if rekey_set_nondumpable() != 0 {
            problems.append("cannot make the process non-dumpable: \(String(cString: strerror(errno)))")
        }
        return problems.first
    }

    /// Whether the process may dump core or be traced (false once `apply()` ran).
    public static var isDumpable: Bool { rekey_is_dumpable() != 0 }
}
