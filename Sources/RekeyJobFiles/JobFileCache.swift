// The job-file cache: a cron tick reads 10,000 job files and must not parse them all
// again when none changed. An entry maps the SHA-256 of what decoding a file depended on
// — the bytes read in this load (never mtime or size: a same-size edit within a second
// must be seen), the file's absolute path, its directory with symlinks resolved, the
// rekey build and rekey.yaml — to the jobs that file declared, encoded by `JobCodec`.
//
// Only files that decoded without a single diagnostic are cached, so a hit means what a
// parse would have meant. Cross-job checks (unique names, shared credentials and sink
// targets, symlinks resolved now) run on every load, cached jobs or not.
//
// The file lives in the state directory, 0600, owned by rekey's user; it is written only
// by `run` and read by every command that loads the workspace's jobs. Missing, corrupt,
// from another build, or not owned by this user: it is ignored and rebuilt, so the worst
// a cache can cost is one parse of every file.

import Crypto
import Foundation
import RekeyModel

#if canImport(Glibc)
    import Glibc
#endif

public struct JobFileCache: Sendable {
    /// The file's name in the state directory.
    public static let fileName = "jobfiles.cache"
    static let magic = Array("rekey-jobfiles-1\n".utf8)

    /// What every entry's key starts with: the build and rekey.yaml (see `context(…)`).
    let context: [UInt8]
    /// Entry key → the encoded jobs of one file (slices of the one buffer a read filled).
    package private(set) var entries: [[UInt8]: ArraySlice<UInt8>]

    init(context: [UInt8], entries: [[UInt8]: ArraySlice<UInt8>] = [:]) {
        self.context = context
        self.entries = entries
    }

    /// The context of this process: the rekey build (its executable's identity, so a new
    /// build with other validation rules never reads an older build's verdicts) and
    /// rekey.yaml's bytes (its `defaults:` sit beneath every job).
    public static func context(configBytes: Data?) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(RekeyVersion.current.utf8) + [0])
        var info = stat()
        if stat("/proc/self/exe", &info) == 0 {
            for value in [
                Int64(info.st_dev), Int64(info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec),
                Int64(info.st_mtim.tv_nsec),
            ] {
                withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
            }
        }
        hasher.update(data: configBytes.map { [1] + Array($0) } ?? [0])
        return Array(hasher.finalize())
    }

    /// The key of one file's entry.
    func key(path: String, resolvedDirectory: String, bytes: Data) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: context)
        hasher.update(data: Array(path.utf8) + [0] + Array(resolvedDirectory.utf8) + [0])
        hasher.update(data: bytes)
        return Array(hasher.finalize())
    }

    /// The encoded jobs cached under `key`, if any.
    func entry(for key: [UInt8]) -> ArraySlice<UInt8>? { entries[key] }

    /// The jobs of an entry, or nil when it does not decode (then the file is parsed).
    static func jobs(decoding encoded: ArraySlice<UInt8>) -> [Job]? {
        var reader = CacheBytes.Reader(encoded)
        do {
            let jobs = try reader.array { reader throws(CacheBytes.Malformed) in try JobCodec.decode(&reader) }
            return reader.isAtEnd ? jobs : nil
        } catch {
            return nil
        }
    }

    /// The entry for `jobs`, or nil when they must not be cached: a regenerate's credential
    /// read from a `{file:}` that is a sink only once symlinks are resolved was validated
    /// against the file system, not the bytes alone, so such a file is parsed every time.
    static func entry(for jobs: [Job]) -> ArraySlice<UInt8>? {
        for job in jobs {
            guard let key = job.provider.replacedCredentialKey, case .file(let path)? = job.credentials[key] else {
                continue
            }
            if !job.sinks.contains(where: { $0.path == path && $0.kind == .file }) { return nil }
        }
        var writer = CacheBytes.Writer()
        writer.array(jobs) { JobCodec.encode($1, into: &$0) }
        return writer.bytes[...]
    }

    // MARK: The file

    /// Reads the cache at `path` for `context`: empty when there is none, or it is not
    /// trustworthy (another owner, writable by others, corrupt, another build's).
    public static func read(path: String, context: [UInt8]) -> JobFileCache {
        let empty = JobFileCache(context: context)
        var info = stat()
        guard stat(path, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o022 == 0,
            let bytes = readWhole(path, size: Int(info.st_size))
        else { return empty }
        // magic · context · entries · SHA-256 of all before it
        guard bytes.count > magic.count + 32 + 32, bytes.starts(with: magic) else { return empty }
        let body = bytes[..<(bytes.count - 32)]
        guard SHA256.hash(data: body).elementsEqual(bytes[(bytes.count - 32)...]) else { return empty }
        var reader = CacheBytes.Reader(body)
        do {
            guard try reader.raw(magic.count).elementsEqual(magic), try reader.raw(32).elementsEqual(context) else {
                return empty
            }
            var entries: [[UInt8]: ArraySlice<UInt8>] = [:]
            let count = try reader.count()
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = Array(try reader.raw(32))
                entries[key] = try reader.raw(try reader.count())
            }
            return reader.isAtEnd ? JobFileCache(context: context, entries: entries) : empty
        } catch {
            return empty
        }
    }

    /// The file's bytes, read once into one buffer (the entries are slices of it).
    private static func readWhole(_ path: String, size: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, size - filled) }
            guard got > 0 else { return nil }
            filled += got
        }
        return bytes
    }

    /// Writes the cache to `path` (0600, a temporary file renamed over the old one). Not
    /// synced: a cache lost in a crash is rebuilt by the next run. Streamed through a small
    /// buffer and hashed as it goes: building the whole file in memory first (twice over,
    /// as the buffer grew) was the peak of a run that rotated 10,000 new jobs.
    public func store(at path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        var file = HashedFileWriter(descriptor: fd)
        var header = CacheBytes.Writer()
        header.append(Self.magic)
        header.append(context)
        header.int(entries.count)
        file.write(header.bytes)
        for (key, value) in entries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var prefix = CacheBytes.Writer()
            prefix.append(key)
            prefix.int(value.count)
            file.write(prefix.bytes)
            file.write(value)
        }
        let complete = file.finish()
        close(fd)
        guard complete, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// A cache holding exactly `entries` (what one load used or made): entries of files
    /// that changed or are gone are dropped.
    func replacingEntries(with entries: [[UInt8]: ArraySlice<UInt8>]) -> JobFileCache {
        JobFileCache(context: context, entries: entries)
    }
}

/// Writes through a 64 KiB buffer, hashing every byte written; `finish` appends the SHA-256
/// of everything before it and says whether every byte reached the file.
private struct HashedFileWriter {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var failed = false
    private static let capacity = 1 << 16

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.capacity)
    }

    mutating func write(_ bytes: some Collection<UInt8>) {
        if buffer.count + bytes.count > Self.capacity { flush() }
        buffer.append(contentsOf: bytes)
    }

    mutating func finish() -> Bool {
        flush()
        buffer.append(contentsOf: hasher.finalize())
        writeOut()
        return !failed
    }

    private mutating func flush() {
        hasher.update(data: buffer)
        writeOut()
    }

    private mutating func writeOut() {
        var written = 0
        while !failed, written < buffer.count {
            let count = buffer.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { failed = true }
            written += max(count, 0)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
