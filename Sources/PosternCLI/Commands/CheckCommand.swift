import ArgumentParser
import Logging

/// `postern check`: connect, secure, EHLO and evaluate the transport policy; no message.
struct CheckCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect, secure the connection, EHLO, and evaluate the transport policy at every step."
    )

    @Flag(help: "Also authenticate (credentials are sent only with this flag).")
    var auth = false

    @OptionGroup(title: "Envelope") var envelope: EnvelopeOptions
    @OptionGroup(title: "Server") var server: ServerNameOption
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Credentials") var credentials: CredentialOptions
    @OptionGroup(title: "Policy") var policy: PolicyOptions
    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        if server.server == nil {
            throw ValidationError("check needs --server HOST[:PORT]")
        }
        if auth, credentials.user == nil {
            throw ValidationError("--auth needs --user and a password source")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        if let failure = envelope.controlCharacterFailure(verb: "check") { return failure }
        OptionTrace.log(
            verb: "check", logger: logger,
            [
                "server": server.server, "connect": connection.connect,
                "security": connection.security?.rawValue, "auth": auth ? "yes" : "no",
                "credential": OptionTrace.describe(credentials), "policy": policy.files.joined(separator: ","),
            ])
        guard let endpoint = try? server.endpoint() else {
            return .failure(verb: "check", status: .usage, message: "postern check: needs --server HOST[:PORT]")
        }
        let inputs = SubmissionInputs(
            server: endpoint,
            connect: connection.connect.flatMap { try? parseEndpoint($0, option: "--connect", portRequired: true) },
            security: connection.security?.mode, helo: connection.helo, timeout: connection.timeout,
            caFile: connection.caFile, credential: credentials.credential,
            layers: PolicyLayerSelection.resolve(files: policy.files, environment: ProcessEnvironment.current))
        return await CheckVerb.run(
            inputs: inputs, authenticate: auth, sender: envelope.sender, recipients: envelope.recipients,
            environment: ProcessEnvironment.current, logger: logger)
    }
}
