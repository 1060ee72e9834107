import ArgumentParser

/// The root `postern` command: only dispatches to the verbs.
struct PosternCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postern",
        abstract: "Send mail under a declarative security policy.",
        subcommands: [
            SendCommand.self, SealCommand.self, CheckCommand.self, ExplainCommand.self,
            PolicyCommand.self, PinCommand.self, SendmailCommand.self,
            DemoCommand.self,
        ]
    )

    func run() async throws {
        throw ValidationError("missing verb; see 'postern --help'")
    }
}
