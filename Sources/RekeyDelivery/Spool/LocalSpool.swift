// The spool: a newly issued secret is written here (0600, fsynced, renamed, directory
// fsynced) before any sink is touched, and removed only when the job is done. Whatever
// happens after issuance, the new secret survives on disk. The spool never follows a
// symlink: its directory must be a real directory that passes the ownership rule, an entry
// is replaced by rename (never written through), and read with O_NOFOLLOW.

import Foundation
import RekeyModel

public enum SpoolError: Error, LocalizedError, CustomStringConvertible {
    case write(String, SinkError)
    case unreadable(String, String)
    /// The spool directory or an entry could be redirected by another user.
    case unsafe(String, String)

    public var description: String {
        switch self {
        case .unsafe(let path, let why): "refusing to use the spool at \(path): \(why)"
        case .write(let path, let error): "cannot write the spool file \(path): \(error)"
        case .unreadable(let path, let why):
            "the spool file \(path) cannot be read (\(why))"
        }
    }

    public var errorDescription: String? { description }
}

public struct LocalSpool: SpoolStore {
    public let directory: String
    let writer: DurableFileWriter
    let ownership: PathOwnership

    public init(
        directory: String, writer: DurableFileWriter = DurableFileWriter(), ownership: PathOwnership = PathOwnership()
    ) {
        self.directory = directory
        self.writer = writer
        self.ownership = ownership
    }

    private struct Entry: Codable {
        var job: String
        var secret: String
        var fingerprint: String
        var issuedAt: Date
        var expiry: Date?
        /// Absent in entries written before two-key rotations (decoded as nil).
        var credentialID: String?
    }

    /// Job names are plain (validated), so the file name is the job name.
    public func path(for job: String) -> String { "\(directory)/\(job).json" }

    /// Creates, writes, fsyncs and removes a probe file in the spool directory.
    public func preflight() async -> String? {
        let probe = directory + "/.preflight-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return await BlockingIO.run { () -> String? in
            let fd = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else {
                return "the spool \(directory) cannot take a file: \(String(cString: strerror(errno)))"
            }
            defer {
                close(fd)
                unlink(probe)
            }
            var byte: UInt8 = 0
            guard Glibc.write(fd, &byte, 1) == 1, fsync(fd) == 0 else {
                return "the spool \(directory) cannot store data: \(String(cString: strerror(errno)))"
            }
            return nil
        }
    }

    /// Durable before it returns (fsync of the file and its directory, off the task pool).
    public func write(_ spooled: SpooledSecret) async throws {
        try await BlockingIO.run { () throws(SpoolError) in try writeNow(spooled) }
    }

    func writeNow(_ spooled: SpooledSecret) throws(SpoolError) {
        let entry = Entry(
            job: spooled.job, secret: spooled.secret.revealed, fingerprint: spooled.fingerprint,
            issuedAt: spooled.issuedAt, expiry: spooled.expiry, credentialID: spooled.credentialID)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        // A struct of strings and dates always encodes; the guard keeps the error typed.
        guard let data = try? encoder.encode(entry) else {
            throw .write(path(for: spooled.job), .io(path: path(for: spooled.job), step: .write, errno: EINVAL))
        }
        let file = path(for: spooled.job)
        try checkSafe(file)
        do {
            // Always 0600 and rekey's own, whatever was there; the rename replaces a planted
            // entry instead of writing through it.
            let attributes = DurableFileWriter.Attributes(mode: 0o600, uid: UInt32(geteuid()), gid: UInt32(getegid()))
            try writer.replace(file, with: Array(data), attributes: attributes)
        } catch {
            throw .write(file, error)
        }
    }

    /// The spool directory is a real directory (not a symlink) that passes the ownership
    /// rule, and `file`, if present, is a regular file (not a symlink).
    func checkSafe(_ file: String) throws(SpoolError) {
        switch SinkPath.lstatus(directory) {
        case .success(let status) where status.isSymlink:
            throw .unsafe(
                directory,
                "it is a symlink (owned by uid \(status.uid)); the spool must be a real directory inside the state directory. Remove the symlink \(directory); rekey recreates the directory."
            )
        case .success(let status) where !status.isDirectory:
            throw .unsafe(directory, "it is not a directory. Remove it; rekey recreates the directory.")
        default: break
        }
        if let problem = ownership.problems(forDirectory: directory).first {
            throw .unsafe(directory, "\(problem)")
        }
        if case .success(let status) = SinkPath.lstatus(file), !status.isRegularFile {
            throw .unsafe(
                file,
                "it is \(status.isSymlink ? "a symlink" : "not a regular file") (owned by uid \(status.uid)); rekey never writes through a link in its spool. Remove \(file) and run again."
            )
        }
    }

    public func read(job: String) throws -> SpooledSecret? {
        let file = path(for: job)
        let bytes: [UInt8]
        do throws(SinkError) {
            bytes = try SinkPath.readBytes(file, limit: 1 << 20, followSymlinks: false)
        } catch .fileMissing {
            return nil
        } catch .notARegularFile {
            throw SpoolError.unreadable(
                file, "it is a symlink or not a regular file; rekey never follows a link in its spool")
        } catch {
            throw SpoolError.unreadable(file, "\(error)")
        }
        let data = Data(bytes)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        guard let entry = try? decoder.decode(Entry.self, from: data) else {
            throw SpoolError.unreadable(file, "not a spool entry")
        }
        return SpooledSecret(
            job: entry.job, secret: Secret(entry.secret), fingerprint: entry.fingerprint, issuedAt: entry.issuedAt,
            expiry: entry.expiry, credentialID: entry.credentialID)
    }

    /// Every entry; temp files of an interrupted write are skipped. An entry that cannot be
    /// decoded is renamed to `<job>.json.unreadable` (kept for an operator, skipped from then
    /// on) and reported, and the others are still returned.
    public func all() throws -> SpoolContents {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var contents = SpoolContents()
        for name in names.filter({ $0.hasSuffix(".json") && !$0.hasPrefix(".") }).sorted() {
            collect(job: String(name.dropLast(5)), into: &contents)
        }
        return contents
    }

    /// `all()` of one job: its file alone is read (or set aside), not the whole directory.
    public func entries(of job: String) async throws -> SpoolContents { contents(of: job) }

    /// `entries(of:)`, for a caller that reads off the cooperative pool.
    public func contents(of job: String) -> SpoolContents {
        var contents = SpoolContents()
        collect(job: job, into: &contents)
        return contents
    }

    /// Reads `job`'s entry into `contents`; one that cannot be decoded is set aside and reported.
    private func collect(job: String, into contents: inout SpoolContents) {
        do {
            if let entry = try read(job: job) { contents.entries.append(entry) }
        } catch {
            let aside = path(for: job) + ".unreadable"
            let moved = rename(path(for: job), aside) == 0
            contents.unreadable.append(
                (job, "\(error)" + (moved ? "; it was set aside as \(aside)" : "; it could not be set aside")))
        }
    }

    public func remove(job: String) async {
        let path = path(for: job)
        await BlockingIO.run {
            _ = unlink(path)
            DurableFileWriter.syncParentDirectory(of: path)
        }
    }
}
