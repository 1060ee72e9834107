/// One message submission: a MAIL FROM, its RCPT TOs and the DATA. A batch (several
/// messages, or one transaction per Bcc recipient) is a list of these over one connection.
public struct SMTPTransaction: Sendable, Hashable {
    /// The reverse-path; nil sends the null path `<>` (bounces).
    public var sender: SMTPMailbox?
    /// The forward-paths. At least one.
    public var recipients: [SMTPMailbox]
    /// Octets of the canonical (CRLF) message before dot-stuffing, sent as `SIZE=`.
    public var messageSize: Int
    /// The body holds octets above 127: `BODY=8BITMIME` is sent, and required of the server.
    public var bodyIs8Bit: Bool
    /// The headers hold UTF-8 (RFC 6532): SMTPUTF8 is required of the server.
    public var headersRequireSMTPUTF8: Bool
    /// Delivery status notification parameters, sent only if the server offers DSN.
    public var dsn: SMTPDSNRequest?

    /// Validates the addresses (CR, LF, NUL and RFC 5321 syntax: a data error before anything
    /// is sent) and builds a transaction.
    public init(
        sender: String?, recipients: [String], messageSize: Int, bodyIs8Bit: Bool = false,
        headersRequireSMTPUTF8: Bool = false, dsn: SMTPDSNRequest? = nil
    ) throws(SMTPError) {
        self.sender = try sender.map { (address) throws(SMTPError) in try SMTPMailbox(validating: address) }
        var mailboxes: [SMTPMailbox] = []
        for recipient in recipients { mailboxes.append(try SMTPMailbox(validating: recipient)) }
        guard !mailboxes.isEmpty else {
            throw .dataError(.invalidAddress, "a transaction needs at least one recipient")
        }
        guard messageSize >= 0 else { throw .dataError(.invalidParameter, "the message size is negative") }
        if let envelopeID = dsn?.envelopeID { _ = try xtextEncode(envelopeID, what: "DSN envelope ID") }
        self.recipients = mailboxes
        self.messageSize = messageSize
        self.bodyIs8Bit = bodyIs8Bit
        self.headersRequireSMTPUTF8 = headersRequireSMTPUTF8
        self.dsn = dsn
    }

    /// True when an address or the headers need SMTPUTF8.
    public var requiresSMTPUTF8: Bool {
        headersRequireSMTPUTF8 || (sender?.requiresSMTPUTF8 ?? false) || recipients.contains { $0.requiresSMTPUTF8 }
    }
}

/// RFC 3461 DSN parameters.
public struct SMTPDSNRequest: Sendable, Hashable {
    /// `RET=`: what a bounce returns.
    public enum Return: String, Sendable, Hashable {
        /// The whole message.
        case full = "FULL"
        /// The headers only.
        case headers = "HDRS"
    }

    /// `NOTIFY=` conditions.
    public enum Notify: String, Sendable, Hashable {
        /// On delivery.
        case success = "SUCCESS"
        /// On failure.
        case failure = "FAILURE"
        /// On delay.
        case delay = "DELAY"
        /// Never (must stand alone).
        case never = "NEVER"
    }

    /// `RET=` on MAIL FROM.
    public var returnContent: Return?
    /// `ENVID=` on MAIL FROM (printable ASCII; sent as xtext).
    public var envelopeID: String?
    /// `NOTIFY=` on every RCPT TO.
    public var notify: [Notify]

    /// Creates DSN parameters.
    public init(returnContent: Return? = nil, envelopeID: String? = nil, notify: [Notify] = []) {
        self.returnContent = returnContent
        self.envelopeID = envelopeID
        self.notify = notify.contains(.never) ? [.never] : notify
    }
}

/// A message the server accepted.
public struct SMTPTransactionResult: Sendable, Hashable {
    /// Its position in the batch.
    public var index: Int
    /// The recipients accepted (all of them: delivery is all or nothing).
    public var acceptedRecipients: [String]
    /// The server's final reply, e.g. `250 2.0.0 Ok: queued as 4XyZ`.
    public var reply: SMTPReply
}

/// A transaction the server refused.
public struct SMTPTransactionRefusal: Sendable, Hashable {
    /// Its position in the batch.
    public var index: Int
    /// The refusal (``SMTPError/reply`` holds the server's reply; rejected recipients are listed in it).
    public var error: SMTPError
}

/// How the connection is secured, as decided before connecting.
public enum SMTPConnectionSecurity: String, Sendable, Hashable {
    /// TLS from the first byte (port 465): the machine starts with TLS active.
    case implicitTLS = "implicit-tls"
    /// Plaintext until STARTTLS, which is then mandatory.
    case startTLS = "starttls"
    /// Never encrypted (only if the policy lists `plaintext`).
    case plaintext
}
