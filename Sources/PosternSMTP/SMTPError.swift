/// A failure of the SMTP dialogue: a violation of the STARTTLS/AUTH rules, a server refusal,
/// a malformed reply, bad input, a timeout or a lost connection.
///
/// The `code` is an extensible string (violation codes equal CONTRACT §4, such as
/// `starttls-unavailable`); the `category` says which exit code class applies.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable identifier for the failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's string form, e.g. `starttls-unavailable`.
        public let rawValue: String
        /// Wraps a code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code string.
        public var description: String { rawValue }

        // Violations (CONTRACT §4).
        /// STARTTLS is the mode but the server did not offer it, or refused it.
        public static let starttlsUnavailable = Code(rawValue: "starttls-unavailable")
        /// Bytes arrived between the `220` to STARTTLS and the TLS handshake.
        public static let responseInjection = Code(rawValue: "response-injection")
        /// AUTH would have been sent without TLS.
        public static let authOverPlaintext = Code(rawValue: "auth-over-plaintext")
        /// No mechanism that the server offers and the allowed list permits.
        public static let authMechanismNotAllowed = Code(rawValue: "auth-mechanism-not-allowed")
        /// The driver reported that a policy checkpoint failed.
        public static let policyDenied = Code(rawValue: "policy-denied")

        // Server refusals.
        /// A 4xx reply.
        public static let temporaryFailure = Code(rawValue: "server-temporary-failure")
        /// A 5xx reply (or an unexpected 2xx/3xx where another class was required).
        public static let permanentFailure = Code(rawValue: "server-permanent-failure")
        /// One or more recipients were refused; see ``SMTPError/rejectedRecipients``.
        public static let recipientsRejected = Code(rawValue: "recipients-rejected")
        /// The server refused the credentials (535) or the exchange.
        public static let authenticationFailed = Code(rawValue: "auth-failed")
        /// The message needs SMTPUTF8 and the server does not offer it.
        public static let smtputf8Unavailable = Code(rawValue: "smtputf8-unavailable")
        /// The message is 8-bit and the server does not offer 8BITMIME.
        public static let eightBitMIMEUnavailable = Code(rawValue: "8bitmime-unavailable")
        /// The message is larger than the server's advertised SIZE.
        public static let messageTooLargeForServer = Code(rawValue: "message-exceeds-server-size")

        // Protocol errors.
        /// A reply line longer than 512 octets.
        public static let replyLineTooLong = Code(rawValue: "reply-line-too-long")
        /// A reply with more than 100 lines.
        public static let replyTooManyLines = Code(rawValue: "reply-too-many-lines")
        /// A reply that does not follow RFC 5321 §4.2 (bad code, bad separator, NUL, bare CR/LF…).
        public static let replyMalformed = Code(rawValue: "reply-malformed")
        /// The connection ended in the middle of a reply.
        public static let replyTruncated = Code(rawValue: "reply-truncated")
        /// The server sent a reply when none was expected.
        public static let unexpectedReply = Code(rawValue: "unexpected-reply")
        /// The SASL exchange was malformed (bad base64, bad SCRAM message, too many rounds).
        public static let authProtocolError = Code(rawValue: "auth-protocol-error")
        /// The SCRAM server signature did not verify: the server does not know the password.
        public static let authServerSignatureInvalid = Code(rawValue: "auth-server-signature-invalid")
        /// The driver delivered an event the machine cannot accept in its state.
        public static let driverMisuse = Code(rawValue: "driver-misuse")

        // Data errors.
        /// An address is not an RFC 5321 Mailbox, or holds CR, LF or NUL.
        public static let invalidAddress = Code(rawValue: "invalid-address")
        /// The EHLO name is not a domain or address literal, or holds CR, LF or NUL.
        public static let invalidEHLOName = Code(rawValue: "invalid-ehlo-name")
        /// An ESMTP parameter or credential holds CR, LF, NUL or another forbidden character.
        public static let invalidParameter = Code(rawValue: "invalid-parameter")

        // Transport.
        /// A reply did not arrive within the RFC 5321 §4.5.3.2 time limit.
        public static let timeout = Code(rawValue: "timeout")
        /// The connection closed before the dialogue ended.
        public static let connectionLost = Code(rawValue: "connection-lost")
    }

    /// Which exit code class a failure belongs to (CONTRACT §2).
    public struct Category: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The category's name.
        public let rawValue: String
        /// Wraps a category name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The category name.
        public var description: String { rawValue }

        /// A policy or STARTTLS/AUTH rule was violated: exit 77 (NOPERM).
        public static let violation = Category(rawValue: "violation")
        /// Try again later: 4xx, timeout, connection lost: exit 75 (TEMPFAIL).
        public static let temporary = Category(rawValue: "temporary")
        /// The server refused for good: exit 69 (UNAVAILABLE).
        public static let permanent = Category(rawValue: "permanent")
        /// The server spoke something that is not SMTP: exit 69 (UNAVAILABLE).
        public static let protocolError = Category(rawValue: "protocol-error")
        /// The input (address, EHLO name, parameter) is malformed: exit 65 (DATAERR).
        public static let dataError = Category(rawValue: "data-error")

        /// The sysexits.h code for this category.
        public var exitCode: Int32 {
            switch rawValue {
            case Category.violation.rawValue: 77
            case Category.temporary.rawValue: 75
            case Category.dataError.rawValue: 65
            default: 69
            }
        }
    }

    /// What went wrong, machine-readable.
    public var code: Code
    /// Which exit code class applies.
    public var category: Category
    /// The dialogue step at which it happened, if any.
    public var step: SMTPStep?
    /// The server's reply that caused it, if any.
    public var reply: SMTPReply?
    /// A human-readable explanation. Never holds a credential.
    public var message: String
    /// For ``Code/recipientsRejected``: each refused recipient with the server's reply.
    public var rejectedRecipients: [SMTPRecipientRejection]

    /// Creates an error.
    public init(
        code: Code, category: Category, step: SMTPStep? = nil, reply: SMTPReply? = nil, message: String,
        rejectedRecipients: [SMTPRecipientRejection] = []
    ) {
        self.code = code
        self.category = category
        self.step = step
        self.reply = reply
        self.message = message
        self.rejectedRecipients = rejectedRecipients
    }

    /// `code: message`, with the step and the server's reply when known.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let step { text += " (at \(step.rawValue))" }
        if let reply { text += " [server: \(reply.firstLineText)]" }
        return text
    }

    static func protocolError(_ code: Code, _ message: String, step: SMTPStep? = nil) -> SMTPError {
        SMTPError(code: code, category: .protocolError, step: step, message: message)
    }

    static func dataError(_ code: Code, _ message: String) -> SMTPError {
        SMTPError(code: code, category: .dataError, message: message)
    }

    /// The error for a 4xx/5xx (or otherwise unexpected) reply at `step`.
    static func refused(_ reply: SMTPReply, at step: SMTPStep, code: Code? = nil) -> SMTPError {
        let temporary = reply.code / 100 == 4
        return SMTPError(
            code: code ?? (temporary ? .temporaryFailure : .permanentFailure),
            category: temporary ? .temporary : .permanent, step: step, reply: reply,
            message: "the server answered \(reply.code) to \(step.rawValue)")
    }
}

/// A recipient the server refused, with its reply.
public struct SMTPRecipientRejection: Sendable, Hashable {
    /// The recipient address as given.
    public var recipient: String
    /// The server's reply to `RCPT TO`.
    public var reply: SMTPReply
}

/// A step of the submission dialogue, used to say where a failure happened.
public enum SMTPStep: String, Sendable, Hashable, CaseIterable {
    /// Waiting for the server's 220 greeting.
    case greeting
    /// EHLO (before or after STARTTLS).
    case ehlo
    /// The STARTTLS command and its reply.
    case starttls
    /// The TLS handshake after STARTTLS (done by the driver).
    case tls
    /// The AUTH exchange.
    case auth
    /// MAIL FROM.
    case mail
    /// RCPT TO.
    case rcpt
    /// The DATA command (before 354).
    case data
    /// The message data and its final reply.
    case message
    /// RSET.
    case rset
    /// QUIT.
    case quit

    /// The CONTRACT §5 report stage this step belongs to.
    public var reportStage: String {
        switch self {
        case .greeting: "connect"
        case .ehlo: "ehlo"
        case .starttls, .tls: "tls"
        case .auth: "auth"
        case .mail, .rcpt, .rset, .quit: "envelope"
        case .data, .message: "data"
        }
    }
}
