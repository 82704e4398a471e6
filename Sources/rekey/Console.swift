// Where the executable prints: results to stdout, problems to stderr. Written with
// write(2), never FileHandle (which traps on EPIPE): a closed pipe or a hung-up terminal
// (EPIPE, EIO) drops the line and counts it, and the run goes on — a reader going away
// must never kill a regenerate in flight.

import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

enum Console {
    /// Lines that could not be written (the reader went away).
    static let dropped = Atomic<Int>(0)

    /// `terminator` is empty for output that ends its own lines (CSV's CRLF).
    static func out(_ text: String, terminator: String = "\n") {
        write(text + terminator, to: STDOUT_FILENO)
    }

    static func error(_ text: String) {
        write(text + "\n", to: STDERR_FILENO)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                // EPIPE, EIO, EBADF, a full non-blocking pipe: nobody reads this any more.
                dropped.add(1, ordering: .relaxed)
                return
            }
        }
    }
}
