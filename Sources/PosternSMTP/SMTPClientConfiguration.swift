/// What the state machine needs to know before the first byte.
public struct SMTPClientConfiguration: Sendable {
    /// The name sent with EHLO (a domain or address literal).
    public var ehloName: String
    /// How the connection is secured; with ``SMTPConnectionSecurity/startTLS`` the machine
    /// insists on STARTTLS.
    public var security: SMTPConnectionSecurity
    /// Credentials for AUTH, or nil to submit unauthenticated.
    public var credentials: SMTPCredentials?
    /// The mechanisms the policy allows (`transport.auth.mechanisms`).
    public var allowedAuthMechanisms: [String]
    /// Whether AUTH may be sent without TLS (`over-plaintext: allow`). Off by default.
    /// - Important: Leave this off unless the policy explicitly allows it.
    public var allowsAuthenticationWithoutTLS: Bool
    /// Reply time limits.
    public var timeouts: SMTPTimeouts
    /// Fixes the SCRAM client nonce; for tests only. Nil draws a random one.
    public var scramClientNonce: String?
    /// Choose the AUTH mechanism in the order of ``allowedAuthMechanisms`` (a policy's preference) rather
    /// than strongest first. Off by default.
    public var followsAllowedAuthMechanismOrder = false
    /// With PIPELINING and a single recipient, send DATA in the same group as MAIL FROM and RCPT TO (one round
    /// trip less per message). All-or-nothing still holds: a server refuses DATA when it refused the only
    /// recipient (RFC 2920 §3.1); one that answers 354 anyway gets no message data (the connection is closed
    /// without the terminator). Off by default.
    public var pipelinesDataWithSingleRecipient = false
    /// With PIPELINING, ask the next transaction's envelope checkpoint as soon as the current message's
    /// end-of-data is written and, once it passes, send that transaction's MAIL FROM, RCPT TO (and DATA, see
    /// ``pipelinesDataWithSingleRecipient``) right behind it instead of waiting for the current message's reply
    /// (RFC 2920 §3.1: message content may be the first command of a group). Replies are still matched in order:
    /// each message's outcome comes from its own end-of-data reply. A failure ends the batch once the
    /// transaction already in flight has been completed. Off by default.
    public var pipelinesAcrossTransactions = false

    /// Creates a configuration.
    public init(
        ehloName: String, security: SMTPConnectionSecurity, credentials: SMTPCredentials? = nil,
        allowedAuthMechanisms: [String] = SMTPAuthMechanismSelection.passwordPreference
            + SMTPAuthMechanismSelection.tokenPreference,
        allowsAuthenticationWithoutTLS: Bool = false, timeouts: SMTPTimeouts = .rfc5321,
        scramClientNonce: String? = nil
    ) {
        self.ehloName = ehloName
        self.security = security
        self.credentials = credentials
        self.allowedAuthMechanisms = allowedAuthMechanisms
        self.allowsAuthenticationWithoutTLS = allowsAuthenticationWithoutTLS
        self.timeouts = timeouts
        self.scramClientNonce = scramClientNonce
    }
}
