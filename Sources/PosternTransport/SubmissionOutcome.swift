import NIOSSL
import PosternPolicy
import PosternSMTP
import PosternTLS

/// What the TLS session looked like.
public struct TLSSessionFacts: Sendable, Hashable {
    /// The negotiated protocol version; nil when the handshake failed (the certificate may still be known).
    public var version: NIOSSL.TLSVersion?
    /// The cipher suites that can have been negotiated at ``version`` (NIOSSL does not expose the one that
    /// was: the configuration's allow-list, or BoringSSL's fixed TLS 1.3 suites), IANA names.
    public var possibleCipherSuites: [String]
    /// The server certificate as assessed (subject, pin, validity, verified).
    public var certificate: CertificateFacts?
}

/// One checkpoint's verdict, for `check` and `-v`.
public struct TransportStepFinding: Sendable, Hashable, CustomStringConvertible {
    /// The checkpoint.
    public var stage: Stage
    /// Whether the policy allowed the step.
    public var passed: Bool
    /// What was checked or found, in a sentence.
    public var detail: String

    /// Creates a finding.
    public init(stage: Stage, passed: Bool, detail: String) {
        self.stage = stage
        self.passed = passed
        self.detail = detail
    }

    /// `stage: ok|denied: detail`.
    public var description: String { "\(stage.rawValue): \(passed ? "ok" : "denied"): \(detail)" }
}

/// How a submission (or check) ended: what the connection looked like, what the server accepted, and every
/// violation with the rule that demanded it.
public struct SubmissionOutcome: Sendable {
    /// `HOST:PORT` of the server as named by `--server` (with the effective port).
    public var server: String
    /// The connection mode tried, or nil when the policy allowed none.
    public var security: SecurityMode?
    /// Whether a TCP connection was opened.
    public var connected: Bool
    /// The TLS session, when one was established.
    public var tls: TLSSessionFacts?
    /// The capabilities in force at the end (post-TLS after STARTTLS).
    public var capabilities: SMTPCapabilities?
    /// The SASL mechanism that succeeded.
    public var authenticationMechanism: String?
    /// The transactions the server accepted, in order.
    public var completedTransactions: [SMTPTransactionResult]
    /// The transactions the server refused, in order, each with its own error (``error`` is the first failure).
    /// A transaction in neither list was not accepted: its outcome is unknown or it was never started.
    public var refusedTransactions: [SMTPTransactionRefusal]
    /// The first failure, or nil when everything succeeded.
    public var error: SMTPError?
    /// Every policy violation (empty unless the policy or a STARTTLS/AUTH rule denied).
    public var violations: [Violation]
    /// Each checkpoint's verdict, in order.
    public var steps: [TransportStepFinding]
    /// The dialogue, credentials redacted, message data summarised.
    public var transcript: [String]

    /// The CONTRACT §2 exit code: 77 for a violation, 75 temporary, 69 refused/unreachable, 65 bad data.
    public var exitCode: Int32 {
        if !violations.isEmpty { return 77 }
        return error?.category.exitCode ?? 0
    }

    /// True when nothing failed.
    public var succeeded: Bool { violations.isEmpty && error == nil }

    /// Recipients the server refused (from the failure), in order.
    public var rejectedRecipients: [String] { error?.rejectedRecipients.map(\.recipient) ?? [] }

    init(server: String, security: SecurityMode?) {
        self.server = server
        self.security = security
        self.connected = false
        self.completedTransactions = []
        self.refusedTransactions = []
        self.violations = []
        self.steps = []
        self.transcript = []
    }
}
