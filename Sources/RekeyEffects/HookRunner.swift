// Runs reload hooks: argv without a shell, a timeout that kills the hook's whole
// session, and a built environment — never the inherited one, which may hold
// `{env: VAR}` credentials — and never a secret in argv or environment.

import Foundation
import RekeyModel
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

public struct HookRunner: HookExecutor {
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public var path: String
    /// Times the hook's timeout. Hooks are real processes, so production runs use the system
    /// clock even when the run's own clock is fake; a test passes a clock that fires at once.
    public var clock: any RekeyClock

    public init(path: String = HookRunner.defaultPath, clock: any RekeyClock = SystemClock()) {
        self.path = path
        self.clock = clock
    }

    /// The whole environment a hook sees.
    public func environment(for job: Job, extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "PATH": path,
            "LANG": "C.UTF-8",
            "REKEY_JOB": job.name,
            "REKEY_TENANT": job.tenant,
            "REKEY_ENV": job.env,
            "REKEY_SINKS": job.sinks.map(\.path).joined(separator: ","),
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// The executable `argv[0]` names: absolute, or found in the built PATH.
    public func executable(for name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// A problem preflight reports, or nil when the hook can be started.
    public func problem(_ hook: HookSpec) -> HookProblem? {
        guard let name = hook.argv.first else { return HookProblem("a hook has an empty argv") }
        return executable(for: name) == nil
            ? HookProblem("hook '\(name)' is not an executable file (hooks run without a shell, with PATH=\(path))")
            : nil
    }

    /// How much of the end of a hook's output is kept (after scrubbing), and how much of
    /// the end is read to scrub: a secret cut at the read boundary lies far outside the kept part.
    static let keptOutput = 4096
    static let scrubbedOutput = 64 * 1024

    public func run(
        _ hook: HookSpec, job: Job, extraEnvironment: [String: String] = [:], scrubbing secrets: [Secret] = []
    ) async -> HookResult {
        guard let name = hook.argv.first, let executable = executable(for: name) else {
            return HookResult(succeeded: false, exitCode: nil, summary: problem(hook)?.description ?? "cannot start")
        }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
        ]
        let configuration = Configuration(
            executable: .path(FilePath(executable)),
            arguments: Arguments(Array(hook.argv.dropFirst())),
            environment: .custom(
                Dictionary(
                    uniqueKeysWithValues: environment(for: job, extra: extraEnvironment).map {
                        (Environment.Key(stringLiteral: $0.key), $0.value)
                    })),
            workingDirectory: FilePath("/"),
            platformOptions: options)

        // Output goes to an unlinked temporary file: no name for anyone to open, no pipe to
        // fill up and block the hook, and no limit that turns a chatty hook into a failure.
        let capture = OutputCapture()
        defer { capture.close() }

        enum Race: Sendable {
            case finished(TerminationStatus)
            case failed(String)
            case timedOut
        }
        let outcome = await withTaskGroup(of: Race.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration, output: capture.output, error: .combinedWithOutput)
                    return .finished(result.terminationStatus)
                } catch {
                    return Task.isCancelled ? .timedOut : .failed("\(error)")
                }
            }
            group.addTask { [clock] in
                try? await clock.sleep(for: hook.timeout)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            // Wait for the cancelled hook to be torn down before reporting.
            while await group.next() != nil {}
            return first
        }
        let printed = SecretScrubber.scrub(capture.tail(Self.scrubbedOutput), secrets: secrets)
        let output = String(printed.suffix(Self.keptOutput))
        let lastLine = output.split(whereSeparator: \.isNewline).last.map { ": " + String($0.prefix(200)) } ?? ""
        switch outcome {
        case .finished(.exited(let code)):
            return HookResult(
                succeeded: code == 0, exitCode: Int(code), summary: "exited \(code)" + (code == 0 ? "" : lastLine),
                output: output)
        case .finished(.signaled(let signal)):
            return HookResult(
                succeeded: false, exitCode: nil, summary: "killed by signal \(signal)" + lastLine, output: output)
        case .failed(let why):
            return HookResult(succeeded: false, exitCode: nil, summary: "could not start: \(why)", output: output)
        case .timedOut:
            return HookResult(
                succeeded: false, exitCode: nil, summary: "timed out after \(hook.timeout) and was killed" + lastLine,
                output: output)
        }
    }
}
