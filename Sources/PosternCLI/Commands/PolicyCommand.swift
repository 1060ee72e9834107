import ArgumentParser
import Logging

/// `postern policy`: the group of policy-file verbs.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with policy files.",
        subcommands: [PolicyLintCommand.self]
    )

    func run() async throws {
        throw ValidationError("missing subcommand; try 'postern policy lint FILE…'")
    }
}

/// `postern policy lint FILE…`: validate policy files, each error located.
struct PolicyLintCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Validate policy files; each error as FILE:LINE:COL: error: MESSAGE.",
        discussion: """
            Exit status: 0 when every file is valid, 78 when any file has an error, \
            66 when a file is missing or unreadable (reported as a located error, too).
            """
    )

    @Argument(help: ArgumentHelp("Policy files to validate.", valueName: "file"))
    var files: [String] = []

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        if files.isEmpty {
            throw ValidationError("policy lint needs at least one FILE")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        logger.debug("postern policy lint: \(files.count) file(s)")
        return PolicyVerbs.lint(files: files)
    }
}
