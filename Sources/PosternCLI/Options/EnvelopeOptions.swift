import ArgumentParser

/// `--from` and `--to`: the SMTP envelope, overriding the message headers.
struct EnvelopeOptions: ParsableArguments {
    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("Envelope sender (default: the address in From:).", valueName: "addr"))
    var sender: String?

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("Envelope recipient, repeatable (default: To:, Cc:, Bcc:).", valueName: "addr"))
    var recipients: [String] = []

    mutating func validate() throws {
        for address in [sender].compactMap({ $0 }) + recipients where address.isEmpty {
            throw ValidationError("an envelope address must not be empty")
        }
    }
}

extension EnvelopeOptions {
    /// A data-error result (65) when an address holds CR, LF or NUL, which could
    /// otherwise smuggle SMTP commands; `nil` when the envelope is clean.
    func controlCharacterFailure(verb: String) -> CommandResult? {
        let addresses = [sender].compactMap { $0 } + recipients
        guard addresses.contains(where: { $0.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" } })
        else {
            return nil
        }
        return .failure(
            verb: verb, status: .dataErr, message: "postern \(verb): an envelope address holds CR, LF or NUL")
    }
}
