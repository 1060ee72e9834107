import PosternMIME

/// How `seal` reads the shared ``DerivedEnvelope``: CONTRACT §1 makes `seal` the same as `send`
/// up to and including protection, so there is no envelope type of its own.
extension DerivedEnvelope {
    /// The envelope from the options, falling back on the headers; an empty `recipients` list means
    /// "from the headers".
    ///
    /// - Throws: ``ComplianceInputError`` for an address header that cannot be parsed, no sender,
    ///   no recipient, or an address that is not a plain `local@domain`.
    static func forSeal(message: Message, sender: String?, recipients: [String]) throws(ComplianceInputError)
        -> DerivedEnvelope
    {
        try derive(from: message, sender: sender, recipients: recipients.isEmpty ? nil : recipients)
    }

    /// The sender whose keys sign and to whom copies are also encrypted; nil for the null sender `<>`.
    var sealingSender: String? { sender.isEmpty ? nil : sender }
}
