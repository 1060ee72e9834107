import ArgumentParser

/// `--from` and `--to`: the SMTP envelope, overriding the message headers.
struct EnvelopeOptions: ParsableArguments {
    @Option(name: .customLong("from"), help: ArgumentHelp("Envelope sender (default: the address in From:).", valueName: "addr"))
    var sender: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("Envelope recipient, repeatable (default: To:, Cc:, Bcc:).", valueName: "addr"))
    var recipients: [String] = []

    mutating func validate() throws {
        for address in [sender].compactMap({ $0 }) + recipients where address.isEmpty {
            throw ValidationError("an envelope address must not be empty")
        }
    }
}
