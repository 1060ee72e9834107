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

    /// The envelope from the options, falling back on the headers (CONTRACT §1).
    ///
    /// A recipient is blind when the `Bcc:` header names it and `To:`/`Cc:` do not;
    /// `--to` addresses that no header names count as visible.
    ///
    /// - Throws: ``PosternMIME/MIMEError`` for an address header that cannot be parsed.
    static func make(message: Message, sender: String?, recipients: [String]) throws -> SealEnvelope {
        let from = try sender ?? message.addresses(in: "From").first?.address
        var all: [String] = []
        var seen = Set<String>()
        let listed = recipients.isEmpty ? try message.recipients(includingBcc: true).map(\.address) : recipients
        for address in listed where seen.insert(address.lowercased()).inserted {
            all.append(address)
        }
        let shown = Set(try message.recipients(includingBcc: false).map { $0.address.lowercased() })
        let bcc = Set(try message.addresses(in: "Bcc").map { $0.address.lowercased() })
        let blind = all.filter { bcc.contains($0.lowercased()) && !shown.contains($0.lowercased()) }
        let blindSet = Set(blind.map { $0.lowercased() })
        return SealEnvelope(
            sender: from, recipients: all, visible: all.filter { !blindSet.contains($0.lowercased()) }, blind: blind)
    }

    /// Whether an address holds CR, LF or NUL, which could smuggle SMTP commands.
    var hasControlCharacters: Bool {
        ([sender].compactMap { $0 } + recipients).contains { address in
            address.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
        }
    }
}
