import ArgumentParser
import Logging
import Postern

/// `postern send [FILE|-]`: evaluate, protect and submit one message.
struct SendCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Evaluate the policy, protect the message as required, and submit it."
    )

    @Argument(
        help: ArgumentHelp(
            "The RFC 5322 message; '-' or absent for stdin. Several files are sent over one connection.",
            valueName: "file"))
    var inputs: [String] = []

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
                "input": inputs.isEmpty ? "-" : inputs.joined(separator: ","), "server": server.server,
                "connect": connection.connect,
                "security": connection.security?.rawValue, "credential": OptionTrace.describe(credentials),
                "policy": policy.files.joined(separator: ","), "sign": protection.sign?.rawValue,
                "encrypt": protection.encrypt?.rawValue,
            ])
        guard let endpoint = try? server.endpoint() else {
            return .failure(verb: "send", status: .usage, message: "postern send: needs --server HOST[:PORT]")
        }
        let submission = SubmissionInputs(
            server: endpoint,
            connect: connection.connect.flatMap { try? parseEndpoint($0, option: "--connect", portRequired: true) },
            security: connection.security?.mode, helo: connection.helo, timeout: connection.timeout,
            caFile: connection.caFile, credential: credentials.credential,
            layers: PolicyLayerSelection.resolve(files: policy.files, environment: ProcessEnvironment.current),
            sign: protection.sign?.format, encrypt: protection.encrypt?.format,
            keys: SealKeyMaterial(
                smimeCertificateFile: keys.smimeCert, smimeKeyFile: keys.smimeKey,
                smimeCertificateDirectory: keys.smimeCerts, caFile: connection.caFile, gnupgHome: keys.gnupgHome,
                pgpSigner: keys.pgpSigner))
        return await SendVerb.run(
            verb: "send", inputs: submission, messageFiles: inputs,
            overrides: OutgoingMessage.EnvelopeOverrides(sender: envelope.sender, recipients: envelope.recipients),
            environment: ProcessEnvironment.current, logger: logger)
    }
}
