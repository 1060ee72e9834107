import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PosternPolicy
import PosternSMTP
import PosternTLS

/// Submits mail (or checks a server) under a policy: decides the mode before connecting, connects with
/// `TCP_NODELAY`, secures the connection (implicit TLS or STARTTLS), and runs ``SMTPClientStateMachine`` with
/// every checkpoint answered by the policy.
///
/// - Important: It never falls back: a violation at any step ends the session (with `QUIT` where the machine
///   can send it safely), and the outcome names each violation.
public struct SMTPSubmissionClient: Sendable {
    /// The event loop group connections run on.
    public let group: any EventLoopGroup

    /// Creates a client on `group` (the shared singleton by default).
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    /// Runs one session: every job over one connection, or the `check` dialogue when there is none.
    /// Never throws: every failure is in the outcome (violations, or an ``SMTPError`` with its category).
    public func run(_ session: SubmissionSession, logger: Logger) async -> SubmissionOutcome {
        var gate = TransportPolicyGate(
            policy: session.policy, contexts: session.sendContexts, authenticates: session.credentials != nil)
        let (mode, connectViolations) = gate.connectionMode(requested: session.requestedSecurity)
        let port =
            session.serverPort ?? SubmissionSession.defaultPort(for: mode ?? session.requestedSecurity ?? .implicitTLS)
        var outcome = SubmissionOutcome(server: Self.hostPort(session.serverHost, port), security: mode)
        outcome.steps.append(
            TransportStepFinding(
                stage: .connect, passed: connectViolations.isEmpty && mode != nil,
                detail: "mode \(mode?.rawValue ?? "none") (policy allows "
                    + gate.resolved.allowedSecurityModes.map(\.rawValue).joined(separator: ", ") + ")"))
        guard let mode, connectViolations.isEmpty else {
            outcome.violations = connectViolations
            return outcome
        }
        // Everything the envelope checkpoint will ask is known now: a send the policy denies opens no connection.
        for job in session.jobs {
            outcome.violations += gate.envelopeViolations(job)
        }
        guard outcome.violations.isEmpty else {
            outcome.steps.append(
                TransportStepFinding(stage: .envelope, passed: false, detail: "denied before connecting"))
            return outcome
        }

        let tlsConfiguration: PosternTLSClientConfiguration?
        if mode == .plaintext {
            tlsConfiguration = nil
        } else {
            do {
                tlsConfiguration = try PosternTLSClientConfiguration(
                    policy: try gate.tlsClientPolicy(trustAnchors: session.trustAnchors))
            } catch {
                outcome.error = SMTPError(
                    code: .init(rawValue: "tls-configuration"), category: .init(rawValue: "configuration"),
                    message: "cannot configure TLS: \(error)")
                return outcome
            }
        }
        var configuration = SMTPClientConfiguration(
            ehloName: session.ehloName, security: Self.machineSecurity(mode), credentials: session.credentials,
            allowedAuthMechanisms: gate.allowedAuthMechanisms,
            allowsAuthenticationWithoutTLS: gate.authOverPlaintextAllowed, timeouts: session.timeouts)
        configuration.followsAllowedAuthMechanismOrder = true
        configuration.pipelinesDataWithSingleRecipient = true
        configuration.pipelinesAcrossTransactions = true
        let machine: SMTPClientStateMachine
        do {
            machine = try SMTPClientStateMachine(
                configuration: configuration, transactions: session.jobs.map(\.transaction))
        } catch {
            outcome.error = error
            return outcome
        }

        let report: DriverReport
        do {
            report = try await connect(
                session: session, port: port, mode: mode, machine: machine, gate: gate,
                tlsConfiguration: tlsConfiguration, logger: logger)
        } catch {
            let target = Self.hostPort(session.connectHost ?? session.serverHost, session.connectPort ?? port)
            outcome.error = Self.connectError(error, target: target, limit: session.connectTimeout)
            outcome.steps.append(
                TransportStepFinding(stage: .connect, passed: false, detail: "cannot connect to \(target)"))
            return outcome
        }
        outcome.connected = true
        absorb(report, into: &outcome)
        return outcome
    }

    private func connect(
        session: SubmissionSession, port: Int, mode: SecurityMode, machine: SMTPClientStateMachine,
        gate: TransportPolicyGate, tlsConfiguration: PosternTLSClientConfiguration?, logger: Logger
    ) async throws -> DriverReport {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DriverReport.self)
        let serverName = session.serverHost
        let jobs = session.jobs
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(session.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Room for a few body chunks in flight; writability then paces the rest.
            .channelOption(.writeBufferWaterMark, value: .init(low: 512 * 1024, high: 2 * 1024 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let recorderHolder = TLSVerificationRecorderBox()
                    var implicitHandler: NIOSSLClientHandler?
                    if mode == .implicitTLS, let tlsConfiguration {
                        let handler = try tlsConfiguration.makeHandler(
                            serverName: serverName, recorder: recorderHolder.recorder)
                        implicitHandler = handler
                        try channel.pipeline.syncOperations.addHandler(
                            PlaintextAfterSTARTTLSGuard(afterSTARTTLS: false))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let driver = SMTPDriverHandler(
                        machine: machine, gate: gate, tlsConfiguration: tlsConfiguration,
                        implicitTLSHandler: implicitHandler, recorder: recorderHolder.recorder, serverName: serverName,
                        jobs: jobs, logger: logger, promise: promise)
                    try channel.pipeline.syncOperations.addHandler(driver)
                }
            }
        let host = session.connectHost ?? session.serverHost
        do {
            _ = try await bootstrap.connect(host: host, port: session.connectPort ?? port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        return try await promise.futureResult.get()
    }

    private func absorb(_ report: DriverReport, into outcome: inout SubmissionOutcome) {
        outcome.tls = report.tls
        outcome.steps += report.steps
        outcome.violations += report.violations
        outcome.transcript = report.transcript
        guard let session = report.outcome else {
            outcome.error = SMTPError(
                code: .connectionLost, category: .temporary, message: "the connection ended before the dialogue did")
            return
        }
        outcome.capabilities = session.capabilities
        outcome.authenticationMechanism = session.authenticationMechanism
        outcome.completedTransactions = session.completedTransactions
        outcome.refusedTransactions = session.refusedTransactions
        outcome.error = session.error
        // A STARTTLS/AUTH rule the machine enforced itself (response injection, STARTTLS stripped or refused,
        // AUTH before TLS) is a violation too; it always holds, so no rule names it.
        if let error = session.error, error.category == .violation,
            !outcome.violations.contains(where: { $0.code.rawValue == error.code.rawValue })
        {
            outcome.violations.append(
                Violation(
                    code: ViolationCode(rawValue: error.code.rawValue),
                    stage: error.step.flatMap { Stage(rawValue: $0.reportStage) } ?? .tls, rule: nil, source: nil,
                    message: error.message))
        }
    }

    /// CONTRACT §2: a connection that did not complete within the limit is a temporary failure (75); one that
    /// was refused, had no route or whose name did not resolve is "unreachable" (69).
    static func connectError(_ error: any Error, target: String, limit: Duration) -> SMTPError {
        if case .connectTimeout = error as? ChannelError {
            return SMTPError(
                code: .init(rawValue: "connect-timeout"), category: .temporary, step: .greeting,
                message: "connecting to \(target) did not complete within \(limit)")
        }
        return SMTPError(
            code: .init(rawValue: "connection-failed"), category: .permanent, step: .greeting,
            message: "cannot connect to \(target): \(error)")
    }

    static func machineSecurity(_ mode: SecurityMode) -> SMTPConnectionSecurity {
        switch mode {
        case .implicitTLS: .implicitTLS
        case .starttls: .startTLS
        case .plaintext: .plaintext
        }
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// One recorder per connection, shared by the implicit-TLS handler and the driver.
private struct TLSVerificationRecorderBox {
    let recorder = TLSVerificationRecorder()
}
