import ArgumentParser
import Logging

/// `postern send [FILE|-]`: evaluate, protect and submit one message.
struct SendCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Evaluate the policy, protect the message as required, and submit it."
    )

    @Argument(help: ArgumentHelp("The RFC 5322 message; '-' or absent for stdin.", valueName: "file"))
    var input: String?

    @OptionGroup(title: "Envelope") var envelope: EnvelopeOptions
    @OptionGroup(title: "Server") var server: ServerNameOption
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Credentials") var credentials: CredentialOptions
    @OptionGroup(title: "Policy") var policy: PolicyOptions
    @OptionGroup(title: "Key material") var keys: KeyMaterialOptions
    @OptionGroup(title: "Protection") var protection: ProtectionOptions
    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        if server.server == nil {
            throw ValidationError("send needs --server HOST[:PORT]")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        if let failure = envelope.controlCharacterFailure(verb: "send") { return failure }
        OptionTrace.log(
            verb: "send", logger: logger,
            [
                "input": input ?? "-", "server": server.server, "connect": connection.connect,
                "security": connection.security?.rawValue, "credential": OptionTrace.describe(credentials),
                "policy": policy.files.joined(separator: ","), "sign": protection.sign?.rawValue,
                "encrypt": protection.encrypt?.rawValue,
            ])
        return .notAvailable(verb: "send")
    }
}
