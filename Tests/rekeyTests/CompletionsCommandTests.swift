import Foundation
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// `rekey completions <shell>` prints a script the shell accepts, and its help says where it goes.
    @Suite struct CompletionsCommandTests {
        /// Runs `shell -n` (parse only, run nothing) on `script`; nil when the shell is not installed.
        static func syntaxCheck(_ shell: String, script: String) throws -> (status: Int32, errors: String)? {
            guard let path = ["/bin/\(shell)", "/usr/bin/\(shell)"].first(where: FileManager.default.isExecutableFile)
            else { return nil }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = try dir.write("completion", script)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["-n", file]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }

        @Test func theBashScriptIsOneBashAcceptsAndCompletesEverySubcommand() throws {
            let result = try RekeyProcess.run(["completions", "bash"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("complete -o filenames -F _rekey rekey"))
            for command in ["run", "plan", "validate", "audit", "adopt", "baseline", "completions"] {
                #expect(result.stdout.contains(command), "\(command) missing from the bash completion")
            }
            let check = try #require(try Self.syntaxCheck("bash", script: result.stdout))
            #expect(check.status == 0, "bash -n: \(check.errors)")
        }

        @Test func theScriptIsTheOneTheHiddenFlagPrintsForEveryShell() throws {
            for shell in ["bash", "zsh", "fish"] {
                let visible = try RekeyProcess.run(["completions", shell])
                let hidden = try RekeyProcess.run(["--generate-completion-script", shell])
                #expect(visible.status == 0)
                #expect(!visible.stdout.isEmpty)
                #expect(visible.stdout == hidden.stdout, "\(shell)")
            }
            if let zsh = try Self.syntaxCheck("zsh", script: try RekeyProcess.run(["completions", "zsh"]).stdout) {
                #expect(zsh.status == 0, "zsh -n: \(zsh.errors)")
            }
        }

        @Test func anUnknownShellIsAUsageErrorThatNamesTheShells() throws {
            let result = try RekeyProcess.run(["completions", "powershell"])
            #expect(result.status == 64)
            #expect(result.stderr.contains("bash"))
        }

        @Test func theHelpSaysWhereToPutTheScript() throws {
            let result = try RekeyProcess.run(["completions", "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("bash-completion/completions/rekey"))
            #expect(result.stdout.contains("site-functions/_rekey"))
            #expect(result.stdout.contains("vendor_completions.d/rekey.fish"))
        }
    }
}
