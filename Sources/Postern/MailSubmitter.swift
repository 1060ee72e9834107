import Logging
import PosternPolicy
import PosternSMTP
import PosternTLS
import PosternTransport

/// The facade's network verbs: `send` (submit messages under the policy) and `check` (probe a server under
/// the policy). Both return a CONTRACT §5 report and never throw: every failure has its exit code.
public struct MailSubmitter: Sendable {
    /// The transport client (its event loop group).
    public let client: SMTPSubmissionClient

    /// Creates a submitter on `client` (the shared event loop group by default).
    public init(client: SMTPSubmissionClient = SMTPSubmissionClient()) {
        self.client = client
    }

    /// Submits every message over one connection; Bcc recipients get transactions of their own.
    ///
    /// The redacted SMTP transcript goes to `logger` at debug level (`-v`).
    public func send(_ request: SubmissionRequest, logger: Logger) async -> Report {
        let verb = "send"
        let anchors: TrustAnchors
        switch Self.trustAnchors(request.connection) {
        case .success(let loaded): anchors = loaded
        case .failure(let failure): return failure.report
        }
        var jobs: [SubmissionJob] = []
        do {
            for message in request.messages { jobs += try Self.jobs(for: message) }
        } catch let error as MessageBodyError {
            return .failure(verb: verb, exitCode: .noInput, message: error.description)
        } catch let error as SMTPError {
            return .failure(verb: verb, exitCode: .dataErr, message: error.description)
        } catch {
            return .failure(verb: verb, exitCode: .dataErr, message: "\(error)")
        }
        guard !jobs.isEmpty else {
            return .failure(verb: verb, exitCode: .dataErr, message: "no recipients")
        }
        let session = Self.session(
            request.connection, anchors: anchors, credentials: request.credentials, policy: request.policy, jobs: jobs)
        let outcome = await client.run(session, logger: logger)
        var report = Report.submission(
            verb: verb, outcome: outcome, policy: request.policy, context: Self.context(session))
        if let protection = request.messages.first?.protection, protection.signed != nil || protection.encrypted != nil
        {
            report.protection = Report.Protection(
                signed: protection.signed?.rawValue, encrypted: protection.encrypted?.rawValue)
        }
        return report
    }

    /// Connects, secures the connection, EHLO, and — only with credentials — AUTH; then QUIT. Every step is
    /// judged by the policy and listed.
    public func check(_ request: CheckRequest, logger: Logger) async -> CheckResult {
        let anchors: TrustAnchors
        switch Self.trustAnchors(request.connection, verb: "check") {
        case .success(let loaded): anchors = loaded
        case .failure(let failure): return CheckResult(report: failure.report, steps: [], transcript: [])
        }
        var session = Self.session(
            request.connection, anchors: anchors, credentials: request.credentials, policy: request.policy, jobs: [])
        session.checkContext = (request.sender, request.recipients)
        let outcome = await client.run(session, logger: logger)
        var report = Report.submission(
            verb: "check", outcome: outcome, policy: request.policy, context: Self.context(session))
        report.smtp = nil
        return CheckResult(report: report, steps: outcome.steps, transcript: outcome.transcript)
    }

    // MARK: - Building the session

    static func jobs(for message: SubmissionMessage) throws -> [SubmissionJob] {
        func body(_ source: MessageSource) throws -> MessageBody {
            switch source {
            case .bytes(let bytes): return MessageBody(bytes: bytes)
            case .file(let path): return try MessageBody(contentsOfFile: path)
            }
        }
        var jobs: [SubmissionJob] = []
        let main = try body(message.content)
        if !message.recipients.isEmpty {
            jobs.append(
                try SubmissionJob(
                    sender: message.sender, recipients: message.recipients, body: main, protection: message.protection,
                    headersRequireSMTPUTF8: message.headersRequireSMTPUTF8))
        }
        for recipient in message.bccRecipients {
            let copy = try message.bccContent[recipient].map(body) ?? main
            jobs.append(
                try SubmissionJob(
                    sender: message.sender, recipients: [recipient], body: copy, protection: message.protection,
                    headersRequireSMTPUTF8: message.headersRequireSMTPUTF8))
        }
        return jobs
    }

    static func session(
        _ connection: ConnectionSettings, anchors: TrustAnchors, credentials: SMTPCredentials?, policy: CompiledPolicy,
        jobs: [SubmissionJob]
    ) -> SubmissionSession {
        let timeouts: SMTPTimeouts
        let connectTimeout: Duration
        if let seconds = connection.timeout, seconds > 0, seconds.isFinite {
            let limit = Duration.milliseconds(Int64((seconds * 1000).rounded(.up)))
            var fixed = SMTPTimeouts()
            fixed.greeting = limit
            fixed.mail = limit
            fixed.rcpt = limit
            fixed.dataInitiation = limit
            fixed.dataBlock = limit
            fixed.dataTermination = limit
            fixed.otherCommand = limit
            timeouts = fixed
            connectTimeout = limit
        } else {
            timeouts = SMTPTimeouts(scale: connection.timeoutScale)
            connectTimeout = .seconds(30)
        }
        return SubmissionSession(
            serverHost: connection.server.host, serverPort: connection.server.port,
            connectHost: connection.connect?.host, connectPort: connection.connect?.port,
            requestedSecurity: connection.security, ehloName: connection.helo ?? "localhost", timeouts: timeouts,
            connectTimeout: connectTimeout, trustAnchors: anchors, credentials: credentials, policy: policy, jobs: jobs)
    }

    static func context(_ session: SubmissionSession) -> SendContext {
        var recipients: [String] = []
        for job in session.jobs { recipients += job.transaction.recipients.map(\.address) }
        if session.jobs.isEmpty { recipients = session.checkContext.recipients }
        let sender = session.jobs.first?.transaction.sender?.address ?? session.checkContext.sender
        return SendContext(sender: sender, recipients: recipients, server: session.serverHost)
    }

    static func trustAnchors(_ connection: ConnectionSettings, verb: String = "send") -> Result<
        TrustAnchors, ReportFailure
    > {
        do {
            return .success(
                try TrustAnchors.load(
                    systemBundlePath: connection.usesSystemTrustStore ? TrustAnchors.systemBundlePath : nil,
                    extraCAFile: connection.caFile))
        } catch {
            return .failure(ReportFailure(.failure(verb: verb, exitCode: .config, message: "--ca-file: \(error)")))
        }
    }
}

/// A report carried as an error (for `Result`).
struct ReportFailure: Error {
    let report: Report
    init(_ report: Report) { self.report = report }
}
