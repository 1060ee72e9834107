/// A policy checkpoint: the machine stops and asks the driver to evaluate the policy with
/// these facts before the step that could leak something.
///
/// The machine sends nothing more until the driver answers with
/// ``SMTPClientEvent/checkpointPassed(_:)`` or ``SMTPClientEvent/checkpointFailed(_:violationCodes:message:)``
/// for the same ``Kind``; AUTH and MAIL FROM are only ever produced by a passed checkpoint.
public enum SMTPCheckpoint: Sendable, Hashable {
    /// After the (final, post-TLS) EHLO: the server's capabilities.
    case ehlo(SMTPEHLOFacts)
    /// Before AUTH: the chosen mechanism.
    case auth(SMTPAuthFacts)
    /// Before MAIL FROM of one transaction: the envelope.
    case envelope(SMTPEnvelopeFacts)

    /// Identifies a checkpoint, so an answer can be matched to its question.
    public enum Kind: Sendable, Hashable {
        /// ``SMTPCheckpoint/ehlo(_:)``.
        case ehlo
        /// ``SMTPCheckpoint/auth(_:)``.
        case auth
        /// ``SMTPCheckpoint/envelope(_:)`` of the transaction at `transaction`.
        case envelope(transaction: Int)
    }

    /// Which checkpoint this is.
    public var kind: Kind {
        switch self {
        case .ehlo: .ehlo
        case .auth: .auth
        case .envelope(let facts): .envelope(transaction: facts.transactionIndex)
        }
    }
}

/// Facts at the EHLO checkpoint.
public struct SMTPEHLOFacts: Sendable, Hashable {
    /// What the server advertised (after STARTTLS: only what it said over TLS).
    public var capabilities: SMTPCapabilities
    /// Whether the connection is encrypted (implicit TLS or after STARTTLS).
    public var tlsActive: Bool
    /// Whether TLS came from STARTTLS on this connection.
    public var upgradedWithSTARTTLS: Bool

    /// Creates facts (the machine makes them; public for drivers' tests).
    public init(capabilities: SMTPCapabilities, tlsActive: Bool, upgradedWithSTARTTLS: Bool) {
        self.capabilities = capabilities
        self.tlsActive = tlsActive
        self.upgradedWithSTARTTLS = upgradedWithSTARTTLS
    }
}

/// Facts at the AUTH checkpoint.
public struct SMTPAuthFacts: Sendable, Hashable {
    /// The mechanism the machine will use.
    public var mechanism: String
    /// The mechanisms the server offered.
    public var offeredMechanisms: [String]
    /// Whether the connection is encrypted.
    public var tlsActive: Bool

    /// Creates facts (the machine makes them; public for drivers' tests).
    public init(mechanism: String, offeredMechanisms: [String], tlsActive: Bool) {
        self.mechanism = mechanism
        self.offeredMechanisms = offeredMechanisms
        self.tlsActive = tlsActive
    }
}

/// Facts at the envelope checkpoint (before MAIL FROM).
public struct SMTPEnvelopeFacts: Sendable, Hashable {
    /// The transaction's position in the batch.
    public var transactionIndex: Int
    /// The envelope and message properties.
    public var transaction: SMTPTransaction
    /// The server's capabilities.
    public var capabilities: SMTPCapabilities
    /// Whether the connection is encrypted.
    public var tlsActive: Bool
    /// The SASL mechanism used, if the session authenticated.
    public var authenticationMechanism: String?
}

/// What happened, told to the machine by its driver.
public enum SMTPClientEvent: Sendable {
    /// The TCP connection (and, for implicit TLS, the verified TLS session) is up.
    case connected
    /// Bytes from the server, in whatever chunks they arrived.
    case bytesReceived([UInt8])
    /// The driver finished the TLS handshake that ``SMTPClientAction/startTLS`` asked for,
    /// and the certificate passed verification and the TLS checkpoint.
    case tlsEstablished
    /// The policy allows the step; the `Kind` must match the pending checkpoint.
    case checkpointPassed(SMTPCheckpoint.Kind)
    /// The policy denies the step; the first code (e.g. `auth-over-plaintext`) becomes the
    /// error's code.
    case checkpointFailed(SMTPCheckpoint.Kind, violationCodes: [String], message: String)
    /// The driver wrote the whole dot-stuffed body, terminator included, of that transaction.
    case messageBodySent(transaction: Int)
    /// The timer from the last ``SMTPClientAction/armTimeout(_:)`` fired.
    case timeout
    /// The server closed the connection (or reading failed).
    case connectionClosed
    /// The driver failed on its side (TLS handshake or verification, a write error): the
    /// machine ends at once with this error and sends nothing more.
    case driverFailed(SMTPError)
}

/// What the driver must do next, in order.
public enum SMTPClientAction: Sendable, Hashable {
    /// Write these bytes (one or more complete command lines) and flush.
    case send([UInt8])
    /// (Re)arm the read timer; deliver ``SMTPClientEvent/timeout`` when it fires.
    case armTimeout(Duration)
    /// Stop the read timer (the machine now waits on the driver, not the server).
    case cancelTimeout
    /// Begin the TLS handshake now (no byte is left unparsed), verify the certificate, run
    /// the TLS checkpoint, then deliver ``SMTPClientEvent/tlsEstablished``.
    case startTLS
    /// Evaluate the policy with these facts, then deliver `checkpointPassed` or `checkpointFailed`.
    case checkpoint(SMTPCheckpoint)
    /// Write the message of that transaction through a ``DotStuffer`` (body, then
    /// `finish()`), applying ``SMTPTimeouts/dataBlock`` per write, then deliver
    /// ``SMTPClientEvent/messageBodySent(transaction:)``.
    case streamMessageBody(transaction: Int)
    /// The server accepted one message (for the report); the session goes on.
    case transactionCompleted(SMTPTransactionResult)
    /// Close the connection; the session is over with this outcome.
    case finish(SMTPSessionOutcome)
}

/// How the session ended.
public struct SMTPSessionOutcome: Sendable, Hashable {
    /// The first failure, or nil when every transaction was accepted.
    public var error: SMTPError?
    /// The messages the server accepted, in order (some may precede a failure; with
    /// ``SMTPClientConfiguration/pipelinesAcrossTransactions`` one may follow it).
    public var completedTransactions: [SMTPTransactionResult]
    /// The transactions the server refused (at MAIL FROM, RCPT TO, DATA or the end of data), in order, each
    /// with its own error; ``error`` is the first failure of the session. A transaction in neither list was not
    /// accepted: its outcome is unknown (the connection failed first) or it was never started.
    public var refusedTransactions: [SMTPTransactionRefusal]
    /// The capabilities in force at the end (post-TLS ones after STARTTLS).
    public var capabilities: SMTPCapabilities?
    /// The SASL mechanism that succeeded, if any.
    public var authenticationMechanism: String?
    /// Whether the connection was encrypted when it ended.
    public var tlsActive: Bool

    /// True when there was no failure.
    public var succeeded: Bool { error == nil }
}
