import ArgumentParser

/// `postern sendmail …`: listed here for help; ``PosternMain`` routes the verb to
/// ``SendmailRunner`` before ArgumentParser sees it, because sendmail's flags
/// (`-oi`, `-oem`, `-bm`) do not fit ArgumentParser's conventions.
struct SendmailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendmail",
        abstract: "Sendmail-compatible entry point (-t, -i/-oi, -f ADDR, -F NAME, ADDR…).",
        discussion: SendmailRunner.usage
    )

    @Argument(parsing: .captureForPassthrough, help: "sendmail flags and recipients")
    var arguments: [String] = []

    func run() async throws {
        let status = await SendmailRunner.run(arguments: arguments, environment: ProcessEnvironment.current)
        if status != .ok {
            throw ExitMapping.exitCode(for: status)
        }
    }
}
