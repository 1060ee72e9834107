import PosternMIME

/// The envelope of a seal: the sender, every recipient, and which recipients are
/// blind (named in `Bcc:`) and so get their own copy (CONTRACT §3.4).
struct SealEnvelope: Sendable, Hashable {
    var sender: String?
    /// Every envelope recipient, in order, without duplicates (compared ignoring case).
    var recipients: [String]
    /// The recipients that are not blind: the main copy's RCPT TO.
    var visible: [String]
    /// The Bcc recipients, each with its own copy.
    var blind: [String]

    /// The envelope from the options, falling back on the headers, derived exactly as `send`
    /// derives it (``DerivedEnvelope``): CONTRACT §1 makes `seal` the same as `send` up to and
    /// including protection.
    ///
    /// - Throws: ``ComplianceInputError`` for an address header that cannot be parsed, no sender,
    ///   no recipient, or an address that is not a plain `local@domain`.
    static func make(message: Message, sender: String?, recipients: [String]) throws(ComplianceInputError)
        -> SealEnvelope
    {
        let derived = try DerivedEnvelope.derive(
            from: message, sender: sender, recipients: recipients.isEmpty ? nil : recipients)
        return SealEnvelope(
            sender: derived.sender.isEmpty ? nil : derived.sender, recipients: derived.recipients,
            visible: derived.visibleRecipients, blind: derived.bccRecipients)
    }
}
