import PosternMIME

/// The SMTP envelope of a message: who it is from and to whom it goes, derived the way
/// `postern send` derives it.
///
/// The sender is the caller's (`--from`) or else the one address in `From:` (with several
/// `From:` addresses, the one in `Sender:`, RFC 5322 §3.6.2). The recipients are the
/// caller's (`--to`) or else every address in `To:`, `Cc:` and `Bcc:`, without duplicates
/// (compared ignoring case), in header order.
///
/// Every address must be a plain `local@domain` without spaces, control characters or angle
/// brackets; anything else (a quoted local part with a space included) is refused as a data
/// error rather than guessed at.
///
/// - Important: Policies judge these addresses, not the display names or header text.
///   A `Bcc:` header is never transmitted; ``bccRecipients`` says who came from it so
///   each gets its own transaction.
public struct DerivedEnvelope: Hashable, Sendable {
    /// Where the envelope sender came from.
    public struct SenderOrigin: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// `caller`, `from-header` or `sender-header`.
        public let rawValue: String
        /// Creates an origin from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }
        /// Given explicitly by the caller (`--from`).
        public static let caller = SenderOrigin(rawValue: "caller")
        /// The single address of `From:`.
        public static let fromHeader = SenderOrigin(rawValue: "from-header")
        /// `Sender:`, because `From:` names several addresses.
        public static let senderHeader = SenderOrigin(rawValue: "sender-header")
    }

    /// The envelope sender (`MAIL FROM`).
    public var sender: String
    /// Where ``sender`` came from.
    public var senderOrigin: SenderOrigin
    /// Every envelope recipient (`RCPT TO`), Bcc recipients included.
    public var recipients: [String]
    /// The recipients that came from `Bcc:` (empty when the caller gave the recipients).
    public var bccRecipients: [String]

    /// Creates an envelope from its parts.
    public init(sender: String, senderOrigin: SenderOrigin, recipients: [String], bccRecipients: [String]) {
        self.sender = sender
        self.senderOrigin = senderOrigin
        self.recipients = recipients
        self.bccRecipients = bccRecipients
    }

    /// Longest envelope address accepted: RFC 5321 §4.5.3.1.3 allows a 256-octet path,
    /// including the angle brackets.
    static let maximumAddressLength = 254

    /// Derives the envelope of `message`, with the caller's sender and recipients taking
    /// precedence over the headers.
    ///
    /// - Throws: ``ComplianceInputError`` when an address header does not parse, when there
    ///   is no sender or no recipient, or when a caller's address is not a plain address.
    public static func derive(
        from message: Message, sender explicitSender: String? = nil, recipients explicitRecipients: [String]? = nil
    ) throws(ComplianceInputError) -> DerivedEnvelope {
        let sender: String
        let origin: SenderOrigin
        if let explicitSender {
            sender = try validated(explicitSender, role: "envelope sender")
            origin = .caller
        } else {
            (sender, origin) = try headerSender(of: message)
        }

        var recipients: [String]
        var bcc: [String] = []
        if let explicitRecipients {
            recipients = []
            var seen: Set<String> = []
            for recipient in explicitRecipients {
                let address = try validated(recipient, role: "envelope recipient")
                if seen.insert(address.lowercased()).inserted { recipients.append(address) }
            }
        } else {
            do {
                recipients = try message.recipients(includingBcc: true).map(\.address)
                let bccAddresses = Set(try message.addresses(in: "Bcc").map { $0.address.lowercased() })
                // An address also named in To/Cc is not a blind copy: it is already visible.
                let visible = Set(try message.recipients(includingBcc: false).map { $0.address.lowercased() })
                bcc = recipients.filter { bccAddresses.contains($0.lowercased()) && !visible.contains($0.lowercased()) }
            } catch let error as MIMEError {
                throw ComplianceInputError(parsing: error)
            } catch {
                throw ComplianceInputError(.malformedMessage, "the recipient headers do not parse")
            }
            for address in recipients { _ = try validated(address, role: "recipient header address") }
        }
        guard !recipients.isEmpty else {
            throw ComplianceInputError(.noRecipients, "no envelope recipient given and To:, Cc:, Bcc: name none")
        }
        return DerivedEnvelope(sender: sender, senderOrigin: origin, recipients: recipients, bccRecipients: bcc)
    }

    private static func headerSender(of message: Message) throws(ComplianceInputError) -> (String, SenderOrigin) {
        let from: [MailAddress]
        let senderField: [MailAddress]
        do {
            from = try message.addresses(in: "From")
            senderField = try message.addresses(in: "Sender")
        } catch let error as MIMEError {
            throw ComplianceInputError(parsing: error)
        } catch {
            throw ComplianceInputError(.malformedMessage, "the From: or Sender: header does not parse")
        }
        if from.count == 1 {
            return (try validated(from[0].address, role: "From: address"), .fromHeader)
        }
        if from.count > 1, senderField.count == 1 {
            return (try validated(senderField[0].address, role: "Sender: address"), .senderHeader)
        }
        if from.isEmpty {
            throw ComplianceInputError(.noSender, "no envelope sender given and the message has no From: address")
        }
        throw ComplianceInputError(
            .noSender, "From: names \(from.count) addresses and no single Sender: picks one; give the envelope sender")
    }

    /// Checks a single envelope address: `local@domain`, no whitespace or control
    /// characters, no angle brackets, at most ``maximumAddressLength`` octets.
    static func validated(_ address: String, role: String) throws(ComplianceInputError) -> String {
        // The address may be attacker-chosen; never echo more than a bounded prefix of it.
        let shown = address.utf8.count <= 80 ? address : String(address.prefix(80)) + "…"
        guard !address.isEmpty, address.utf8.count <= maximumAddressLength else {
            throw ComplianceInputError(
                .invalidAddress, "\(role) is empty or longer than \(maximumAddressLength) octets")
        }
        let forbidden = address.unicodeScalars.contains { scalar in
            scalar.value < 0x21 || scalar.value == 0x7F || scalar == "<" || scalar == ">"
                || scalar.properties.isWhitespace
        }
        guard !forbidden else {
            throw ComplianceInputError(
                .invalidAddress,
                "\(role) holds a control character, a space or an angle bracket"
                    + (address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? "" : ": \(shown)"))
        }
        guard let at = address.lastIndex(of: "@"), at != address.startIndex,
            address.index(after: at) != address.endIndex
        else {
            throw ComplianceInputError(.invalidAddress, "\(role) is not local@domain: \(shown)")
        }
        return address
    }
}
