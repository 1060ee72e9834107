import ArgumentParser
import Logging

/// `postern explain`: the effective requirements for one send, with their provenance.
struct ExplainCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Print the effective requirements for --from/--to/--server and the rule and file:line of each; no network."
    )

    @OptionGroup(title: "Envelope") var envelope: EnvelopeOptions
    @OptionGroup(title: "Server") var server: ServerNameOption
    @OptionGroup(title: "Policy") var policy: PolicyOptions
    @OptionGroup var output: OutputOptions

    func execute(logger: Logger) async -> CommandResult {
        if let failure = envelope.controlCharacterFailure(verb: "explain") { return failure }
        let request = ExplainRequest(
            sender: envelope.sender,
            recipients: envelope.recipients,
            server: server.server,
            layers: PolicyLayerSelection.resolve(files: policy.files, environment: ProcessEnvironment.current)
        )
        logger.debug("postern explain: layers \(request.layers.displayNames.joined(separator: ", "))")
        return PolicyVerbs.explain(request)
    }
}
