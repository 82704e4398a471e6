// Where a hook's output goes: a temporary file unlinked at once (0600, no name left), so
// nothing else can read it, a chatty hook never blocks on a full pipe, and rekey reads
// back only the end it keeps.

import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

final class OutputCapture: Sendable {
    let descriptor: Int32

    init() {
        var template = Array("/tmp/rekey-hook-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 { template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) } }
        descriptor = fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC)
    }

    var output: FileDescriptorOutput {
        .fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: false)
    }

    /// The last `limit` bytes written, as text (invalid UTF-8 repaired).
    func tail(_ limit: Int) -> String {
        let size = lseek(descriptor, 0, SEEK_END)
        guard size > 0 else { return "" }
        let start = max(0, Int(size) - limit)
        var bytes = [UInt8](repeating: 0, count: Int(size) - start)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start)) }
        return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
