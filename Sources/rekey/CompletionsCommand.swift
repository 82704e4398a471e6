// `rekey completions <shell>`: prints the shell completion script, the visible face of
// ArgumentParser's hidden `--generate-completion-script`.

import ArgumentParser

struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print the completion script for bash, zsh or fish.",
        discussion: """
            Put the script where your shell looks for completions (scripts/install.sh does this):
              bash: rekey completions bash > /usr/local/share/bash-completion/completions/rekey
              zsh:  rekey completions zsh > /usr/local/share/zsh/site-functions/_rekey
              fish: rekey completions fish > /usr/local/share/fish/vendor_completions.d/rekey.fish
            For yourself only: ~/.local/share/bash-completion/completions/rekey, a directory on \
            zsh's $fpath, or ~/.config/fish/completions/rekey.fish. Open a new shell afterwards.
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        Console.out(Rekey.completionScript(for: shell.completionShell))
    }
}
