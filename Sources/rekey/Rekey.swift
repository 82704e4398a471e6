// The `rekey` executable: argument parsing and printing only; the library targets do the work.

import ArgumentParser
import RekeyEffects
import RekeyModel

struct Rekey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Rotate vendor API keys and tokens on a schedule, without ever losing a working credential.",
        discussion: """
            Job files (jobs/*.yaml) say which credential of which tenant and env to rotate, how \
            often, and where to write the new secret. `rekey run` (from cron or a systemd timer) \
            rotates what is due; `rekey plan` shows what would happen; `rekey audit report` shows \
            what did.

            Start with `rekey demo`: it runs everything against a built-in vendor sandbox.
            Shell completions: `rekey completions bash|zsh|fish`; the manual: `man rekey` once installed.

            Exit codes: 0 ok or nothing due, 1 a job failed, 2 a job needs recovery, 64 usage, \
            65 invalid job files, 66 no jobs found, 75 lock held, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.
            """,
        version: RekeyVersion.current,
        subcommands: [
            RunCommand.self, PlanCommand.self, ValidateCommand.self, AuditCommand.self, RecoverCommand.self,
            AdoptCommand.self, BaselineCommand.self, DemoCommand.self, SandboxCommand.self, CompletionsCommand.self,
        ]
    )
}

/// The entry point: harden the process before anything reads a secret, then parse.
@main
enum RekeyMain {
    static func main() async {
        if let problem = ProcessHardening.apply() { Console.error("rekey: warning: \(problem)") }
        await Rekey.main()
    }
}
