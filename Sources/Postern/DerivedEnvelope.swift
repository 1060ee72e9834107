import PosternMIME

/// The SMTP envelope of a message: who it is from and to whom it goes.
///
/// This is the one derivation `postern send`, `postern sendmail`, `postern seal` and
/// ``PolicyEvaluator`` share, so a compliance tool judges exactly the envelope a send would use:
///
/// - The sender is the caller's (`--from`, sendmail `-f`; the empty string is the null
///   reverse-path `<>`) or else the one address in `From:` (with several `From:` addresses, the
///   one in `Sender:`, RFC 5322 §3.6.2).
/// - The recipients are the caller's (`--to`, sendmail arguments) or else every address in
///   `To:`, `Cc:` and `Bcc:`; with sendmail `-t`, the caller's and then the headers'. Duplicates
///   (compared ignoring case) are dropped, the first spelling and position kept.
/// - A recipient is *blind* when `Bcc:` names it and `To:`/`Cc:` do not, however it was given:
///   it gets a transaction (and, when encrypted, a copy) of its own, so no other recipient learns
///   of it (CONTRACT §3.4).
///
/// Every address must be a plain `local@domain` without spaces, control characters or angle
/// brackets; anything else (a quoted local part with a space included) is refused as a data
/// error rather than guessed at.
///
/// - Important: Policies judge these addresses, not the display names or header text.
///   A `Bcc:` header is never transmitted.
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
    /// The blind recipients: named in `Bcc:` and not in `To:`/`Cc:`, in ``recipients`` order.
    public var bccRecipients: [String]

    /// The recipients that share the main transaction: ``recipients`` without ``bccRecipients``.
    public var visibleRecipients: [String] {
        let blind = Set(bccRecipients.map { $0.lowercased() })
        return recipients.filter { !blind.contains($0.lowercased()) }
    }

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
    /// - Parameters:
    ///   - explicitSender: the caller's envelope sender; `""` is the null reverse-path.
    ///   - explicitRecipients: the caller's recipients; `nil` or empty means "from the headers".
    ///   - addingHeaderRecipients: sendmail `-t`: the header recipients are added to the caller's.
    /// - Throws: ``ComplianceInputError`` when an address header does not parse, when there
    ///   is no sender or no recipient, or when an address is not a plain address.
    public static func derive(
        from message: Message, sender explicitSender: String? = nil, recipients explicitRecipients: [String]? = nil,
        addingHeaderRecipients: Bool = false
    ) throws(ComplianceInputError) -> DerivedEnvelope {
        let sender: String
        let origin: SenderOrigin
        if let explicitSender {
            sender = explicitSender.isEmpty ? "" : try validated(explicitSender, role: "envelope sender")
            origin = .caller
        } else {
            (sender, origin) = try headerSender(of: message)
        }

        let visibleHeader: [String]
        let bccHeader: [String]
        do {
            visibleHeader = try message.recipients(includingBcc: false).map(\.address)
            bccHeader = try message.addresses(in: "Bcc").map(\.address)
        } catch let error as MIMEError {
            throw ComplianceInputError(parsing: error)
        } catch {
            throw ComplianceInputError(.malformedMessage, "the recipient headers do not parse")
        }

        var named: [(address: String, role: String)] = []
        let callerGave = !(explicitRecipients ?? []).isEmpty
        for address in explicitRecipients ?? [] { named.append((address, "envelope recipient")) }
        if !callerGave || addingHeaderRecipients {
            // Header order, as `message.recipients(includingBcc: true)` gives it: To, Cc, then Bcc.
            for address in visibleHeader + bccHeader { named.append((address, "recipient header address")) }
        }
        var recipients: [String] = []
        var seen: Set<String> = []
        for (address, role) in named {
            let checked = try validated(address, role: role)
            if seen.insert(checked.lowercased()).inserted { recipients.append(checked) }
        }
        guard !recipients.isEmpty else {
            throw ComplianceInputError(.noRecipients, "no envelope recipient given and To:, Cc:, Bcc: name none")
        }
        let visible = Set(visibleHeader.map { $0.lowercased() })
        let blindHeader = Set(bccHeader.map { $0.lowercased() }).subtracting(visible)
        let bcc = recipients.filter { blindHeader.contains($0.lowercased()) }
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
            let lineBreakOrNUL = address.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
            let control = address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            // A CR or LF could smuggle an SMTP command: say so plainly, and never echo the address.
            throw ComplianceInputError(
                .invalidAddress,
                lineBreakOrNUL
                    ? "\(role) holds CR, LF or NUL"
                    : "\(role) holds a control character, a space or an angle bracket" + (control ? "" : ": \(shown)"))
        }
        guard let at = address.lastIndex(of: "@"), at != address.startIndex,
            address.index(after: at) != address.endIndex
        else {
            throw ComplianceInputError(.invalidAddress, "\(role) is not local@domain: \(shown)")
        }
        return address
    }
}
