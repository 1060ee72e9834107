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
        return .notAvailable(verb: "check")
    }
}
