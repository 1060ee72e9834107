import PosternPolicy
import PosternSMTP
import PosternTransport

/// How to reach and secure the submission server (`--server`, `--connect`, `--security`, `--helo`,
/// `--timeout`, `--ca-file`).
public struct ConnectionSettings: Sendable {
    /// `--server`: the name policies match and the certificate must carry; its port, if given.
    public var server: ServerEndpoint
    /// `--connect`: where to open the TCP connection when it differs (SNI and verification still use `server`).
    public var connect: ServerEndpoint?
    /// `--security`; nil takes the policy's first allowed mode.
    public var security: SecurityMode?
    /// `--helo`; nil sends `localhost`.
    public var helo: String?
    /// `--timeout` in seconds: the limit for connecting and for every reply; nil keeps the RFC 5321 limits.
    public var timeout: Double?
    /// Multiplies the RFC 5321 limits when ``timeout`` is nil (tests use a tiny scale).
    public var timeoutScale: Double
    /// `--ca-file`: extra trust anchors (PEM).
    public var caFile: String?
    /// Whether the system trust store counts (it does for users; tests may trust only their own CA).
    public var usesSystemTrustStore: Bool

    /// Creates settings.
    public init(
        server: ServerEndpoint, connect: ServerEndpoint? = nil, security: SecurityMode? = nil, helo: String? = nil,
        timeout: Double? = nil, timeoutScale: Double = 1, caFile: String? = nil, usesSystemTrustStore: Bool = true
    ) {
        self.server = server
        self.connect = connect
        self.security = security
        self.helo = helo
        self.timeout = timeout
        self.timeoutScale = timeoutScale
        self.caFile = caFile
        self.usesSystemTrustStore = usesSystemTrustStore
    }
}

/// Where a message's octets are: in memory (canonical CRLF form) or in a file.
public enum MessageSource: Sendable {
    /// The message itself.
    case bytes([UInt8])
    /// A file holding the message, read in chunks while it is sent.
    case file(String)
}

/// One message to submit, with its envelope.
public struct SubmissionMessage: Sendable {
    /// The message as it goes on the wire (after sealing).
    public var content: MessageSource
    /// The envelope sender (`--from`); nil sends the null path.
    public var sender: String?
    /// To and Cc recipients: one transaction together.
    public var recipients: [String]
    /// Bcc recipients: each gets a transaction of its own (CONTRACT §3.4).
    public var bccRecipients: [String]
    /// A separate copy for a Bcc recipient (an encrypted message is encrypted to each Bcc recipient alone);
    /// a Bcc recipient without an entry gets ``content``.
    public var bccContent: [String: MessageSource]
    /// What the sealing stage applied; checked again before MAIL FROM.
    public var protection: ProtectionFacts
    /// The headers hold UTF-8 (RFC 6532): SMTPUTF8 is required of the server.
    public var headersRequireSMTPUTF8: Bool

    /// Creates a message.
    public init(
        content: MessageSource, sender: String?, recipients: [String], bccRecipients: [String] = [],
        bccContent: [String: MessageSource] = [:], protection: ProtectionFacts = .unprotected,
        headersRequireSMTPUTF8: Bool = false
    ) {
        self.content = content
        self.sender = sender
        self.recipients = recipients
        self.bccRecipients = bccRecipients
        self.bccContent = bccContent
        self.protection = protection
        self.headersRequireSMTPUTF8 = headersRequireSMTPUTF8
    }
}

/// `send`: messages to submit over one connection.
public struct SubmissionRequest: Sendable {
    /// Server and connection settings.
    public var connection: ConnectionSettings
    /// Credentials for AUTH, or nil to submit without authenticating.
    ///
    /// - Important: Sent only over a verified TLS connection unless the policy explicitly allows otherwise.
    public var credentials: SMTPCredentials?
    /// The compiled policy layers.
    public var policy: CompiledPolicy
    /// The messages, in order (a batch goes over one connection).
    public var messages: [SubmissionMessage]

    /// Creates a request.
    public init(
        connection: ConnectionSettings, credentials: SMTPCredentials? = nil, policy: CompiledPolicy,
        messages: [SubmissionMessage]
    ) {
        self.connection = connection
        self.credentials = credentials
        self.policy = policy
        self.messages = messages
    }
}

/// `check`: connect, secure, EHLO, evaluate the transport policy at every step; no message.
public struct CheckRequest: Sendable {
    /// Server and connection settings.
    public var connection: ConnectionSettings
    /// Credentials, only when `--auth` was given: then AUTH is tried (and nothing else is sent).
    public var credentials: SMTPCredentials?
    /// The compiled policy layers.
    public var policy: CompiledPolicy
    /// `--from`, for policy rules that match senders.
    public var sender: String?
    /// `--to`, for policy rules that match recipients.
    public var recipients: [String]

    /// Creates a request.
    public init(
        connection: ConnectionSettings, credentials: SMTPCredentials? = nil, policy: CompiledPolicy,
        sender: String? = nil, recipients: [String] = []
    ) {
        self.connection = connection
        self.credentials = credentials
        self.policy = policy
        self.sender = sender
        self.recipients = recipients
    }
}

/// What `check` found: the report, and each checkpoint's verdict in order.
public struct CheckResult: Sendable {
    /// The CONTRACT §5 report (`smtp` is null: nothing is submitted).
    public var report: Report
    /// Each checkpoint's verdict (connect, tls, ehlo, auth), in order.
    public var steps: [TransportStepFinding]
    /// The dialogue, credentials redacted.
    public var transcript: [String]
}
