// Who may read a key file (the audit key; later the fleet key): owned by rekey's user or
// root, no permission bits for others, group read only for one of rekey's own groups (a
// 0440 Kubernetes Secret volume with fsGroup works). A looser file is refused with the
// command that fixes it — never tightened silently, which would hide that it was exposed.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public enum KeyFilePermissions {
    public static func check(_ path: String) throws(AuditKeyError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path, String(cString: strerror(errno)))
        }
        let mode = UInt16(info.st_mode & 0o7777)
        let octal = "0" + String(mode, radix: 8)
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw .exposed(
                path, why: "it belongs to uid \(info.st_uid), not to rekey's user or root",
                fix: "chown \(geteuid()) \(path)")
        }
        if mode & 0o007 != 0 {
            throw .exposed(path, why: "its mode \(octal) lets other users use it", fix: "chmod 600 \(path)")
        }
        if mode & 0o020 != 0 {
            throw .exposed(path, why: "its mode \(octal) lets its group replace it", fix: "chmod 600 \(path)")
        }
        if mode & 0o040 != 0 && !ownGroups().contains(info.st_gid) {
            throw .exposed(
                path, why: "its mode \(octal) lets group \(info.st_gid), not one of rekey's, read it",
                fix: "chmod 600 \(path)")
        }
    }

    static func ownGroups() -> Set<gid_t> {
        var groups = [gid_t](repeating: 0, count: Int(getgroups(0, nil)) + 1)
        let count = getgroups(Int32(groups.count), &groups)
        return Set(groups.prefix(Int(max(0, count)))).union([getegid()])
    }
}
