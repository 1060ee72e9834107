import ArgumentParser
import Logging

/// `postern seal [FILE|-]`: everything `send` does up to and including protection,
/// writing the protected message instead of submitting it.
struct SealCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Evaluate the policy and protect the message; write it to stdout or --output."
    )

    @Argument(help: ArgumentHelp("The RFC 5322 message; '-' or absent for stdin.", valueName: "file"))
    var input: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Write the protected message here instead of stdout.", valueName: "file"))
    var outputFile: String?

    @OptionGroup(title: "Envelope") var envelope: EnvelopeOptions
    @OptionGroup(title: "Server") var server: ServerNameOption
    @OptionGroup(title: "Policy") var policy: PolicyOptions
    @OptionGroup(title: "Key material") var keys: KeyMaterialOptions
    @OptionGroup(title: "Protection") var protection: ProtectionOptions
    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        if output.format == .json, outputFile == nil {
            throw ValidationError("seal --format json needs --output FILE: stdout carries the report")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        if let failure = envelope.controlCharacterFailure(verb: "seal") { return failure }
        OptionTrace.log(
            verb: "seal", logger: logger,
            [
                "input": input ?? "-", "output": outputFile ?? "-", "server": server.server,
                "policy": policy.files.joined(separator: ","), "sign": protection.sign?.rawValue,
                "encrypt": protection.encrypt?.rawValue,
            ])
        return .notAvailable(verb: "seal")
    }
}
