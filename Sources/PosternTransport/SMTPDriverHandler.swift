import Logging
import NIOCore
import NIOSSL
import NIOTLS
import PosternPolicy
import PosternSMTP
import PosternTLS

#if canImport(Glibc)
    import Glibc
#endif

/// What the driver hands back when the session is over.
struct DriverReport: Sendable {
    var outcome: SMTPSessionOutcome?
    var violations: [Violation] = []
    var steps: [TransportStepFinding] = []
    var tls: TLSSessionFacts?
    var transcript: [String] = []
}

/// The thin channel handler that runs ``SMTPClientStateMachine``: raw bytes in (its own framing, so nothing
/// read after the STARTTLS `220` can be fed to TLS), actions out, checkpoints answered by the
/// ``TransportPolicyGate``, commands coalesced into one write per batch of actions.
///
/// - Important: The TLS handler is added at the pipeline's head inside the same `channelRead` that delivered
///   the `220`, and only after the machine has confirmed that no byte followed it.
final class SMTPDriverHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case connecting
        case implicitHandshake
        case startTLSHandshake
        case running
        case finished
    }

    private var machine: SMTPClientStateMachine
    private let gate: TransportPolicyGate
    private let tlsConfiguration: PosternTLSClientConfiguration?
    private let serverName: String
    private let jobs: [SubmissionJob]
    private let logger: Logger
    private let promise: EventLoopPromise<DriverReport>
    private let recorder: TLSVerificationRecorder
    private var tlsHandler: NIOSSLClientHandler?
    private var phase = Phase.connecting
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var events = CircularBuffer<SMTPClientEvent>(initialCapacity: 4)
    private var draining = false
    private var outbound: ByteBuffer?
    private var pump: BodyPump?
    private var report = DriverReport()
    private var loggedEntries = 0

    /// `implicitTLSHandler` is the client handler already placed before this one for implicit TLS, else nil.
    init(
        machine: SMTPClientStateMachine, gate: TransportPolicyGate, tlsConfiguration: PosternTLSClientConfiguration?,
        implicitTLSHandler: NIOSSLClientHandler?, recorder: TLSVerificationRecorder, serverName: String,
        jobs: [SubmissionJob], logger: Logger,
        promise: EventLoopPromise<DriverReport>
    ) {
        self.machine = machine
        self.gate = gate
        self.tlsConfiguration = tlsConfiguration
        self.tlsHandler = implicitTLSHandler
        self.recorder = recorder
        self.serverName = serverName
        self.jobs = jobs
        self.logger = logger
        self.promise = promise
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard case .connecting = phase else { return }
        // Quick ACKs from the first byte too: the server's post-handshake flight (session tickets, then the
        // greeting) must not wait on a delayed ACK.
        setQuickAck(context: context)
        if tlsHandler != nil {
            // The machine hears `.connected` only once the TLS session is up and has passed the TLS checkpoint.
            phase = .implicitHandshake
            arm(machine.timeouts.greeting)
        } else {
            phase = .running
            deliver(.connected)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .running = phase else {
            // Application data before the handshake completed cannot happen through NIOSSL; plaintext during
            // a STARTTLS handshake goes to the TLS handler, not here.
            return
        }
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        deliver(.bytesReceived(bytes))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeCompleted(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch phase {
        case .implicitHandshake, .startTLSHandshake:
            tlsFailed(error: error)
        case .finished:
            return
        case .connecting, .running:
            logger.debug("transport: connection error: \(error)")
            deliver(.connectionClosed)
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, pump != nil, case .running = phase {
            pumpBody()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .implicitHandshake, .startTLSHandshake:
            tlsFailed(error: ChannelError.eof)
        case .finished:
            break
        case .connecting, .running:
            deliver(.connectionClosed)
        }
        if phase != .finished {
            // The machine always finishes on connectionClosed; this is only a guard against a hung caller.
            finish(nil)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if phase != .finished { finish(nil) }
        self.context = nil
    }

    // MARK: - TLS

    private func handshakeCompleted(context: ChannelHandlerContext) {
        let implicit: Bool
        switch phase {
        case .implicitHandshake: implicit = true
        case .startTLSHandshake: implicit = false
        default: return
        }
        cancelTimer()
        phase = .running
        let version = tlsHandler?.tlsVersion
        let assessment = recorder.assessment
        var layerFindings: [TLSFinding] = []
        if assessment == nil {
            // A completed handshake without our callback having run would mean NIOSSL skipped verification.
            layerFindings.append(TLSFinding(code: .certificateUntrusted, message: "the certificate was not verified"))
        }
        if let finding = tlsConfiguration?.versionFinding(negotiated: version) { layerFindings.append(finding) }
        if let version {
            report.tls = TLSSessionFacts(
                version: version,
                possibleCipherSuites: PosternTLSClientConfiguration.possibleCipherSuiteNames(for: version),
                certificate: assessment?.facts)
        }
        let violations = gate.tlsViolations(negotiated: version, assessment: assessment, layerFindings: layerFindings)
        let subject = assessment?.facts?.subject ?? "no certificate"
        report.steps.append(
            TransportStepFinding(
                stage: .tls, passed: violations.isEmpty,
                detail: "TLS \(version?.contractName ?? "?") with \(serverName); certificate \(subject)"))
        guard violations.isEmpty else {
            report.violations += violations
            deliver(.driverFailed(Self.violationError(violations, step: .tls)))
            return
        }
        setQuickAck(context: context)
        deliver(implicit ? .connected : .tlsEstablished)
    }

    private func tlsFailed(error: any Error) {
        guard let tlsConfiguration else { return }
        phase = .running
        cancelTimer()
        if let plaintext = error as? PlaintextAfterSTARTTLSError, !plaintext.afterSTARTTLS {
            let findings = [TLSFinding(code: .tlsHandshakeFailed, message: plaintext.description)]
            let violations = gate.handshakeFailureViolations(findings: findings, assessment: nil)
            report.steps.append(TransportStepFinding(stage: .tls, passed: false, detail: plaintext.description))
            report.violations += violations
            deliver(.driverFailed(Self.violationError(violations, step: .tls)))
            return
        }
        if let injection = error as? PlaintextAfterSTARTTLSError {
            let violation = Violation(
                code: .responseInjection, stage: .tls, rule: nil, source: nil, message: injection.description)
            report.steps.append(TransportStepFinding(stage: .tls, passed: false, detail: injection.description))
            report.violations.append(violation)
            deliver(.driverFailed(Self.violationError([violation], step: .starttls)))
            return
        }
        let findings = tlsConfiguration.handshakeFailureFindings(error: error, recorder: recorder)
        let violations = gate.handshakeFailureViolations(findings: findings, assessment: recorder.assessment)
        if let facts = recorder.assessment?.facts {
            // No session, but what the certificate was is still worth reporting.
            report.tls = TLSSessionFacts(version: nil, possibleCipherSuites: [], certificate: facts)
            report.steps.append(
                TransportStepFinding(
                    stage: .tls, passed: false, detail: "certificate \(facts.subject), \(facts.leafPin)"))
        }
        report.steps.append(
            TransportStepFinding(
                stage: .tls, passed: false,
                detail: "TLS handshake with \(serverName) failed: "
                    + findings.map(\.code.rawValue).joined(separator: ", ")))
        report.violations += violations
        deliver(.driverFailed(Self.violationError(violations, step: .tls)))
    }

    private func beginStartTLS() {
        guard let context, let tlsConfiguration else {
            events.append(
                .driverFailed(
                    SMTPError(
                        code: .init(rawValue: "tls-handshake-failed"), category: .violation, step: .tls,
                        message: "no TLS configuration")))
            return
        }
        do {
            let handler = try tlsConfiguration.makeHandler(serverName: serverName, recorder: recorder)
            // At the head, in this very channelRead: the next byte from the socket goes to TLS — after the
            // guard, which refuses plaintext that a later segment carried after the 220.
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
            try context.pipeline.syncOperations.addHandler(PlaintextAfterSTARTTLSGuard(), position: .first)
            tlsHandler = handler
            phase = .startTLSHandshake
            arm(machine.timeouts.otherCommand)
        } catch {
            let findings = [TLSFinding(code: .tlsHandshakeFailed, message: "cannot start TLS: \(error)")]
            let violations = gate.handshakeFailureViolations(findings: findings, assessment: nil)
            report.violations += violations
            events.append(.driverFailed(Self.violationError(violations, step: .tls)))
        }
    }

    /// Linux resets delayed-ACK mode after a while; asking for quick ACKs once the handshake is done saves the
    /// ~40 ms a delayed ACK costs against a Nagle-ing server at the next exchange.
    private func setQuickAck(context: ChannelHandlerContext) {
        #if os(Linux)
            let option = ChannelOptions.Types.SocketOption(
                level: NIOBSDSocket.OptionLevel(rawValue: CInt(IPPROTO_TCP)),
                name: NIOBSDSocket.Option(rawValue: CInt(TCP_QUICKACK)))
            _ = context.channel.setOption(option, value: 1)
        #endif
    }

    static func violationError(_ violations: [Violation], step: SMTPStep) -> SMTPError {
        SMTPError(
            code: SMTPError.Code(rawValue: violations.first?.code.rawValue ?? "policy-denied"), category: .violation,
            step: step, message: violations.first?.message ?? "the policy denied the step")
    }

    // MARK: - Driving the machine

    private func deliver(_ event: SMTPClientEvent) {
        events.append(event)
        guard !draining else { return }
        draining = true
        while let next = events.popFirst() {
            guard phase != .finished else { break }
            for action in machine.handle(next) { execute(action) }
        }
        draining = false
        flushOutbound()
        logTranscript()
    }

    private func execute(_ action: SMTPClientAction) {
        switch action {
        case .send(let bytes):
            if outbound == nil { outbound = context?.channel.allocator.buffer(capacity: max(bytes.count, 256)) }
            outbound?.writeBytes(bytes)
        case .armTimeout(let duration):
            arm(duration)
        case .cancelTimeout:
            cancelTimer()
        case .startTLS:
            flushOutbound()
            beginStartTLS()
        case .checkpoint(let checkpoint):
            events.append(answer(checkpoint))
        case .streamMessageBody(let index):
            flushOutbound()
            startBody(index)
        case .transactionCompleted(let result):
            logger.debug("transport: message \(result.index + 1) accepted: \(result.reply.firstLineText)")
        case .finish(let outcome):
            flushOutbound()
            finish(outcome)
        }
    }

    private func answer(_ checkpoint: SMTPCheckpoint) -> SMTPClientEvent {
        let violations: [Violation]
        let stage: Stage
        let detail: String
        switch checkpoint {
        case .ehlo(let facts):
            violations = gate.ehloViolations(facts)
            stage = .ehlo
            let auth = facts.capabilities.authMechanisms
            detail =
                "EHLO on \(facts.tlsActive ? "an encrypted" : "an unencrypted") connection; AUTH offered: "
                + (auth.isEmpty ? "none" : auth.joined(separator: " "))
                + "; allowed by the policy: " + gate.allowedAuthMechanisms.joined(separator: " ")
        case .auth(let facts):
            violations = gate.authViolations(facts)
            stage = .auth
            detail = "AUTH \(facts.mechanism) on \(facts.tlsActive ? "an encrypted" : "an unencrypted") connection"
        case .envelope(let facts):
            let index = facts.transactionIndex
            let protection = index < jobs.count ? jobs[index].protection : .unprotected
            violations = gate.envelopeViolations(facts, protection: protection)
            stage = .envelope
            detail =
                "message \(index + 1): MAIL FROM:<\(facts.transaction.sender?.address ?? "")>, "
                + "\(facts.transaction.recipients.count) recipient(s), \(facts.transaction.messageSize) octets"
        }
        report.steps.append(TransportStepFinding(stage: stage, passed: violations.isEmpty, detail: detail))
        guard !violations.isEmpty else { return .checkpointPassed(checkpoint.kind) }
        report.violations += violations
        return .checkpointFailed(
            checkpoint.kind, violationCodes: violations.map(\.code.rawValue),
            message: violations.map(\.message).joined(separator: "; "))
    }

    // MARK: - Writing

    private func flushOutbound() {
        guard let context, let buffer = outbound else { return }
        outbound = nil
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func startBody(_ index: Int) {
        guard index < jobs.count else {
            events.append(
                .driverFailed(
                    SMTPError(
                        code: .init(rawValue: "driver-misuse"), category: .protocolError, message: "no message \(index)"
                    )))
            return
        }
        do {
            pump = try BodyPump(body: jobs[index].body, transactionIndex: index)
        } catch {
            events.append(.driverFailed(Self.bodyError(error)))
            return
        }
        pumpBody()
    }

    /// Writes chunks while the channel is writable (flushing each, so NIOSSL encrypts and passes it on and
    /// writability reflects it); waits for `channelWritabilityChanged` otherwise, with the RFC 5321 data-block
    /// timer running.
    private func pumpBody() {
        guard let context, let pump else { return }
        while context.channel.isWritable {
            let chunk: ByteBuffer?
            do {
                chunk = try pump.nextChunk(allocator: context.channel.allocator)
            } catch {
                pump.cancel()
                self.pump = nil
                deliver(.driverFailed(Self.bodyError(error)))
                return
            }
            guard var chunk else {
                self.pump = nil
                cancelTimer()
                deliver(.messageBodySent(transaction: pump.transactionIndex))
                return
            }
            if pump.handedOutTerminator {
                // The end of the data is held back for the commands the machine answers with (the next
                // transaction's pipelined envelope, or QUIT): they leave together, in one TLS record, when this
                // batch of actions is flushed.
                if var pending = outbound {
                    // Commands queued earlier in this batch go first.
                    pending.writeBuffer(&chunk)
                    outbound = pending
                } else {
                    outbound = chunk
                }
                self.pump = nil
                cancelTimer()
                // `deliver` flushes at the end of its drain (this one's, or the enclosing one's).
                deliver(.messageBodySent(transaction: pump.transactionIndex))
                return
            }
            context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        }
        arm(machine.timeouts.dataBlock)
    }

    static func bodyError(_ error: MessageBodyError) -> SMTPError {
        // A message that cannot be read is the caller's input problem; the server never sees the end of data.
        SMTPError(
            code: .init(rawValue: "message-unreadable"), category: .dataError, step: .message,
            message: error.description)
    }

    // MARK: - Timer and end

    private func arm(_ duration: Duration) {
        guard let context else { return }
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) { [self] in
            timer = nil
            timerFired()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired() {
        guard phase != .finished else { return }
        if let pump {
            pump.cancel()
            self.pump = nil
        }
        if phase == .implicitHandshake || phase == .startTLSHandshake { phase = .running }
        deliver(.timeout)
    }

    private func finish(_ outcome: SMTPSessionOutcome?) {
        guard phase != .finished else { return }
        phase = .finished
        cancelTimer()
        pump?.cancel()
        pump = nil
        logTranscript()
        report.outcome = outcome
        report.transcript = machine.transcript.lines
        promise.succeed(report)
        context?.close(promise: nil)
    }

    private func logTranscript() {
        let entries = machine.transcript.entries
        guard logger.logLevel <= .debug else {
            loggedEntries = entries.count
            return
        }
        while loggedEntries < entries.count {
            let entry = entries[loggedEntries]
            logger.debug("\(entry.direction.rawValue): \(entry.text)")
            loggedEntries += 1
        }
    }
}
