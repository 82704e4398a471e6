// `rekey demo`: the zero-setup tour against the built-in vendor sandbox.

import ArgumentParser
import Foundation
import RekeyModel
import RekeySandbox

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run rekey end to end against the built-in vendor sandbox, in a fresh temporary directory.",
        discussion: "Nothing outside the temporary directory is touched and no real vendor is called.")

    @Option(help: "Use this directory instead of a fresh temporary one (it is left in place).")
    var directory: String?

    func run() async throws {
        let path = directory ?? NSTemporaryDirectory() + "rekey-demo-" + UUID().uuidString.prefix(8).lowercased()
        do {
            try await DemoScenario(directory: path, say: { Console.out($0) }).run()
        } catch {
            Console.error("rekey demo: \(error)")
            throw ExitCode(ExitStatus.jobFailed.rawValue)
        }
        Console.out("\ndemo finished: files are in \(path)")
    }
}
