import NIOSSL

/// A step of the SMTP dialogue at which the scripted server's answer can be replaced.
public struct SMTPStep: RawRepresentable, Hashable, Sendable {
    /// The step's name.
    public var rawValue: String
    /// Creates a step.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The greeting sent on connect (after the handshake for implicit TLS).
    public static let greeting = SMTPStep(rawValue: "greeting")
    /// `EHLO`.
    public static let ehlo = SMTPStep(rawValue: "EHLO")
    /// `HELO`.
    public static let helo = SMTPStep(rawValue: "HELO")
    /// `STARTTLS`. A reply starting with `220` upgrades; any other reply refuses and stays in plaintext.
    public static let startTLS = SMTPStep(rawValue: "STARTTLS")
    /// `AUTH` (the first reply; an override ends the exchange with that reply).
    public static let auth = SMTPStep(rawValue: "AUTH")
    /// `MAIL FROM`.
    public static let mail = SMTPStep(rawValue: "MAIL")
    /// `RCPT TO` (every recipient; ``SMTPServerScript/rejectedRecipients`` rejects individual ones).
    public static let rcpt = SMTPStep(rawValue: "RCPT")
    /// `DATA` (the go-ahead; a non-354 reply refuses the data).
    public static let data = SMTPStep(rawValue: "DATA")
    /// The end of the data (`CRLF.CRLF`).
    public static let endOfData = SMTPStep(rawValue: "END-OF-DATA")
    /// `RSET`.
    public static let rset = SMTPStep(rawValue: "RSET")
    /// `NOOP`.
    public static let noop = SMTPStep(rawValue: "NOOP")
    /// `QUIT`.
    public static let quit = SMTPStep(rawValue: "QUIT")
}

/// What the scripted server does at a step.
public enum SMTPScriptedReply: Sendable, Hashable {
    /// Send this reply text; lines are separated by `\r\n` (multi-line replies allowed), CRLF is appended.
    case reply(String)
    /// Send these exact bytes (nothing appended): for malformed or split replies.
    case raw([UInt8])
    /// Never answer: the server reads and records on, but stays silent.
    case stall
    /// Close the TCP connection at once, without an SMTP reply and without TLS close_notify.
    case disconnect
}

/// How a ``ScriptedSMTPServer`` behaves. The defaults are an honest STARTTLS submission server; each property
/// turns on one hostile or odd behaviour.
public struct SMTPServerScript: Sendable {
    /// Transport security of the listening port.
    public enum Security: Sendable, Hashable {
        /// No TLS at all (STARTTLS is answered with 454 unless overridden).
        case plaintext
        /// TLS from the first byte (port 465 style).
        case implicitTLS
        /// Plaintext until STARTTLS (port 587 style).
        case startTLS
    }

    /// The port's security.
    public var security: Security
    /// The certificate chain and key presented (required for `.implicitTLS` and `.startTLS`).
    public var identity: TestIdentity?
    /// Caps the server's TLS version (e.g. `.tlsv11` or `.tlsv12`); `nil` for no cap.
    public var maximumTLSVersion: TLSVersion?
    /// The host name the server announces.
    public var hostname: String
    /// EHLO keywords offered before TLS (the default offers STARTTLS, except in `.plaintext` mode, and never AUTH).
    public var capabilitiesBeforeTLS: [String]
    /// EHLO keywords offered inside TLS.
    public var capabilitiesAfterTLS: [String]
    /// Remove STARTTLS from the EHLO reply, as a downgrading attacker would.
    public var stripSTARTTLS: Bool
    /// Bytes appended to the STARTTLS `220` reply in the same TCP write (response injection), e.g.
    /// `"250 AUTH PLAIN\r\n"`.
    public var injectedAfterStartTLSReply: [UInt8]
    /// Replacements for the default reply at each step.
    public var replies: [SMTPStep: SMTPScriptedReply]
    /// Recipients (compared case-insensitively) answered with `550 5.1.1`.
    public var rejectedRecipients: Set<String>
    /// Close the connection abruptly (no reply, no close_notify) as soon as message data arrives after `354`.
    public var dropConnectionDuringData: Bool
    /// Replacements for the end-of-data reply of single messages, by their position on the connection (0 for
    /// the first message whose data ended); they take precedence over `replies[.endOfData]`.
    public var endOfDataReplies: [Int: SMTPScriptedReply]
    /// Messages (by position, as in ``endOfDataReplies``) whose end-of-data reply is withheld until the next
    /// command line has arrived, and then sent before that command is answered. A client that waits for the
    /// reply before sending anything more stalls there (until its own timeout): a test of pipelining behind the
    /// end of data (RFC 2920 §3.1) that does not depend on how bytes were split into reads.
    public var endOfDataRepliesHeldForNextCommand: Set<Int>
    /// Answer DATA with `554 5.5.1 Error: no valid recipients` when no recipient of the transaction was
    /// accepted, as Postfix does (RFC 2920 §3.1). Off by default: the server then answers 354 anyway, as a
    /// non-conforming server would. `replies[.data]` takes precedence.
    public var refusesDataWithoutValidRecipients: Bool

    /// An honest server with the given security; set the other properties to make it hostile.
    public init(security: Security, identity: TestIdentity? = nil) {
        self.security = security
        self.identity = identity
        self.maximumTLSVersion = nil
        self.hostname = "mail.test"
        // A plaintext-only server does not advertise STARTTLS unless a test lists it on purpose.
        self.capabilitiesBeforeTLS =
            security == .plaintext
            ? ["PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"]
            : ["PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME", "ENHANCEDSTATUSCODES"]
        self.capabilitiesAfterTLS = [
            "PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN", "8BITMIME", "ENHANCEDSTATUSCODES",
        ]
        self.stripSTARTTLS = false
        self.injectedAfterStartTLSReply = []
        self.replies = [:]
        self.rejectedRecipients = []
        self.dropConnectionDuringData = false
        self.endOfDataReplies = [:]
        self.endOfDataRepliesHeldForNextCommand = []
        self.refusesDataWithoutValidRecipients = false
    }
}
