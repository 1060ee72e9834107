import PosternPolicy
import PosternSMTP
import PosternTLS

/// Everything one connection needs: where to connect, how to secure it, who authenticates, under which policy,
/// and the transactions to run (none for `check`).
public struct SubmissionSession: Sendable {
    /// The `--server` host: what policies match, what SNI carries and what the certificate must name.
    public var serverHost: String
    /// The `--server` port, or nil for the mode's default (465 implicit TLS, 587 STARTTLS, 25 plaintext).
    public var serverPort: Int?
    /// Where to open the TCP connection when it differs (`--connect`); SNI and verification still use
    /// ``serverHost``.
    public var connectHost: String?
    /// The port for ``connectHost``.
    public var connectPort: Int?
    /// `--security` as asked by the user; nil takes the policy's first allowed mode.
    public var requestedSecurity: SecurityMode?
    /// The EHLO name (`--helo`).
    public var ehloName: String
    /// Reply time limits.
    public var timeouts: SMTPTimeouts
    /// Bound on opening the TCP connection.
    public var connectTimeout: Duration
    /// Trust anchors for certificate verification (system store plus `--ca-file`).
    public var trustAnchors: TrustAnchors
    /// Credentials for AUTH, or nil to submit (or check) without authenticating.
    public var credentials: SMTPCredentials?
    /// The compiled policy layers.
    public var policy: CompiledPolicy
    /// The transactions, in order, over one connection. Empty: the `check` dialogue.
    public var jobs: [SubmissionJob]
    /// Envelope for policy matching when there are no jobs (`check --from/--to`).
    public var checkContext: (sender: String?, recipients: [String])

    /// Creates a session.
    public init(
        serverHost: String, serverPort: Int? = nil, connectHost: String? = nil, connectPort: Int? = nil,
        requestedSecurity: SecurityMode? = nil, ehloName: String = "localhost", timeouts: SMTPTimeouts = .rfc5321,
        connectTimeout: Duration = .seconds(30), trustAnchors: TrustAnchors, credentials: SMTPCredentials? = nil,
        policy: CompiledPolicy, jobs: [SubmissionJob], checkContext: (sender: String?, recipients: [String]) = (nil, [])
    ) {
        self.serverHost = serverHost
        self.serverPort = serverPort
        self.connectHost = connectHost
        self.connectPort = connectPort
        self.requestedSecurity = requestedSecurity
        self.ehloName = ehloName
        self.timeouts = timeouts
        self.connectTimeout = connectTimeout
        self.trustAnchors = trustAnchors
        self.credentials = credentials
        self.policy = policy
        self.jobs = jobs
        self.checkContext = checkContext
    }

    /// The default port of a mode (RFC 8314: 465; RFC 6409: 587; plaintext: 25).
    public static func defaultPort(for mode: SecurityMode) -> Int {
        switch mode {
        case .implicitTLS: 465
        case .starttls: 587
        case .plaintext: 25
        }
    }

    /// One context per distinct envelope sender (in order of first appearance), each with every recipient: the
    /// transport must satisfy the rules of every sender of a batch.
    var sendContexts: [SendContext] {
        guard !jobs.isEmpty else {
            return [SendContext(sender: checkContext.sender, recipients: checkContext.recipients, server: serverHost)]
        }
        var recipients: [String] = []
        var senders: [String?] = []
        for job in jobs {
            recipients += job.transaction.recipients.map(\.address)
            let sender = job.transaction.sender?.address
            if !senders.contains(sender) { senders.append(sender) }
        }
        return senders.map { SendContext(sender: $0, recipients: recipients, server: serverHost) }
    }
}
