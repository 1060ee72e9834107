import Foundation

/// The SMTP submission dialogue (RFC 5321, 3207, 4954, 2920, 1870, 6152, 6531, 3461) as a
/// pure state machine: events in, actions out, no I/O.
///
/// Flow: greeting → EHLO → [STARTTLS → 220 → ``SMTPClientAction/startTLS`` → EHLO again,
/// with everything learnt before TLS discarded] → checkpoint(ehlo) → [checkpoint(auth) →
/// AUTH] → per transaction: checkpoint(envelope) → MAIL FROM + RCPT TO (one write with
/// PIPELINING) → DATA → body → next transaction → QUIT. With
/// ``SMTPClientConfiguration/pipelinesAcrossTransactions`` and PIPELINING, the next transaction's
/// checkpoint is asked as soon as a body is written, and its envelope follows the end-of-data without
/// waiting for that message's reply; replies are then attributed in order (that message's, then the
/// next envelope's).
///
/// Driving it (postgres-nio style): create it (bad input throws a data error here, before
/// any connection), deliver ``SMTPClientEvent/connected``, then every read as
/// ``SMTPClientEvent/bytesReceived(_:)``, and carry out the returned actions in order until
/// ``SMTPClientAction/finish(_:)``. Checkpoints, TLS and body streaming are the driver's
/// work; each ends with the matching event.
///
/// - Important: AUTH and MAIL FROM are only produced when the driver confirms the matching
///   checkpoint; bytes that arrive after the `220` to STARTTLS (in the same read or later,
///   before ``SMTPClientEvent/tlsEstablished``) end the session as `response-injection`;
///   without STARTTLS when it is the mode the session ends as `starttls-unavailable`.
public struct SMTPClientStateMachine: Sendable {
    private enum EnvelopeCommand: Sendable {
        case mail
        case rcpt(Int)
        /// DATA at the end of a pipelined group (single recipient only, see
        /// ``SMTPClientConfiguration/pipelinesDataWithSingleRecipient``).
        case data
    }

    private struct EnvelopeProgress: Sendable {
        var index: Int
        var awaiting: [EnvelopeCommand]
        var unsent: [EnvelopeCommand]
        var mailRefusal: SMTPReply?
        var dataReply: SMTPReply?
        var accepted: [String] = []
        var rejected: [SMTPRecipientRejection] = []
    }

    /// The next transaction while the current message's end-of-data reply is still outstanding
    /// (``SMTPClientConfiguration/pipelinesAcrossTransactions``).
    private enum PipelinedNext: Sendable {
        /// Its envelope checkpoint was asked for and not answered yet: nothing of it has been sent.
        case checkpoint(Int)
        /// The checkpoint passed and its envelope was sent; its replies follow the current message's reply.
        case envelope(EnvelopeProgress)
        /// The checkpoint failed: once the current message's reply is in, the session ends with this error.
        case denied(SMTPError)
    }

    private enum State: Sendable {
        case notConnected
        case awaitingGreeting
        case awaitingEHLO
        case awaitingSTARTTLSReply
        case awaitingTLS
        case awaitingCheckpoint(SMTPCheckpoint.Kind)
        case authenticating(any SASLClientMechanism, rounds: Int)
        case awaitingEnvelopeReplies(EnvelopeProgress)
        case awaitingDataReply(Int)
        case streamingBody(Int)
        /// The end-of-data reply of that transaction is due; `next` is the transaction pipelined behind it.
        case awaitingMessageReply(Int, next: PipelinedNext?)
        case awaitingRSETReply
        /// A SASL exchange the client abandoned with `*` (RFC 4954 §4); any reply leads to QUIT.
        case awaitingAuthenticationCancel
        case awaitingQUITReply
        case finished
    }

    /// The most 334 challenges one AUTH exchange may have.
    public static let maximumSASLRounds = 8

    private let configuration: SMTPClientConfiguration
    private let transactions: [SMTPTransaction]
    private var state = State.notConnected
    private var parser = SMTPReplyParser()
    private var tlsActive: Bool
    private var upgradedWithSTARTTLS = false
    private var chosenMechanism: String?
    private var completed: [SMTPTransactionResult] = []
    private var refused: [SMTPTransactionRefusal] = []
    /// The transaction whose envelope checkpoint comes next.
    private var nextTransaction = 0
    private var failure: SMTPError?

    /// The dialogue so far, credentials redacted.
    public private(set) var transcript = SMTPTranscript()
    /// The capabilities in force (nil before EHLO and right after STARTTLS).
    public private(set) var capabilities: SMTPCapabilities?
    /// The SASL mechanism that succeeded, if any.
    public private(set) var authenticationMechanism: String?

    /// Validates the EHLO name, the credentials and every transaction (a data error, before
    /// any byte is sent) and creates the machine. An empty `transactions` list runs the
    /// `check` dialogue: EHLO, AUTH if credentials are given, QUIT.
    public init(configuration: SMTPClientConfiguration, transactions: [SMTPTransaction]) throws(SMTPError) {
        _ = try validateEHLOName(configuration.ehloName)
        if let credentials = configuration.credentials {
            let names: [String]
            switch credentials.proof {
            case .password: names = SMTPAuthMechanismSelection.passwordPreference
            case .bearerToken: names = SMTPAuthMechanismSelection.tokenPreference
            }
            for name in names {
                _ = try SMTPAuthMechanismSelection.makeMechanism(
                    named: name, credentials: credentials, scramClientNonce: configuration.scramClientNonce)
            }
        }
        self.configuration = configuration
        self.transactions = transactions
        self.tlsActive = configuration.security == .implicitTLS
    }

    /// The reply time limits in force (the driver applies ``SMTPTimeouts/dataBlock`` to body writes).
    public var timeouts: SMTPTimeouts { configuration.timeouts }

    /// Bytes received and not yet part of a handled reply.
    public var unconsumedByteCount: Int { parser.unconsumedByteCount }

    /// Whether the session is over (``SMTPClientAction/finish(_:)`` was returned).
    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Advances the dialogue by one event and returns what the driver must do, in order.
    public mutating func handle(_ event: SMTPClientEvent) -> [SMTPClientAction] {
        if case .finished = state { return [] }
        switch event {
        case .connected:
            guard case .notConnected = state else { return misuse("connected twice") }
            state = .awaitingGreeting
            return [.armTimeout(configuration.timeouts.greeting)]
        case .bytesReceived(let bytes):
            return received(bytes)
        case .tlsEstablished:
            guard case .awaitingTLS = state else { return misuse("tlsEstablished without startTLS") }
            // RFC 3207 §4.2: forget everything learnt before TLS, including any parser state.
            tlsActive = true
            upgradedWithSTARTTLS = true
            capabilities = nil
            parser = SMTPReplyParser()
            return sendEHLO()
        case .checkpointPassed(let kind):
            if case .awaitingMessageReply(let current, .checkpoint(let next)) = state,
                kind == .envelope(transaction: next)
            {
                // RFC 2920 §3.1: the envelope goes right behind the end-of-data. The timer keeps running for the
                // reply due first, the current message's.
                let (progress, bytes) = makeEnvelope(next)
                state = .awaitingMessageReply(current, next: .envelope(progress))
                return [.send(bytes)]
            }
            guard case .awaitingCheckpoint(let pending) = state, pending == kind else {
                return misuse("checkpointPassed(\(kind)) does not match the pending checkpoint")
            }
            return checkpointPassed(kind)
        case .checkpointFailed(let kind, let codes, let message):
            let code = codes.first.map { SMTPError.Code(rawValue: $0) } ?? .policyDenied
            let violation = SMTPError(
                code: code, category: .violation, step: step(of: kind),
                message: codes.isEmpty ? message : "\(message) [\(codes.joined(separator: ", "))]")
            if case .awaitingMessageReply(let current, .checkpoint(let next)) = state,
                kind == .envelope(transaction: next)
            {
                // Nothing of the next transaction was sent; the current message's reply is still awaited, so its
                // outcome is known before the session ends.
                state = .awaitingMessageReply(current, next: .denied(violation))
                return []
            }
            guard case .awaitingCheckpoint(let pending) = state, pending == kind else {
                return misuse("checkpointFailed(\(kind)) does not match the pending checkpoint")
            }
            return fail(violation, quit: true)
        case .messageBodySent(let index):
            guard case .streamingBody(let current) = state, current == index else {
                return misuse("messageBodySent(\(index)) while no body was being sent")
            }
            transcript.record(.client, "<message data: \(transactions[index].messageSize) octets, dot-stuffed>")
            transcript.record(.client, ".")
            state = .awaitingMessageReply(index, next: nil)
            var actions: [SMTPClientAction] = [.armTimeout(configuration.timeouts.dataTermination)]
            if let facts = pipelinableNextEnvelope() {
                // The policy is asked before anything of the next transaction is written.
                nextTransaction += 1
                state = .awaitingMessageReply(index, next: .checkpoint(facts.transactionIndex))
                actions.append(.checkpoint(.envelope(facts)))
            }
            return actions + processReplies()
        case .timeout:
            if case .awaitingQUITReply = state { return finish() }
            return fail(
                SMTPError(
                    code: .timeout, category: .temporary, step: currentStep,
                    message: "no reply within the RFC 5321 time limit"), quit: false)
        case .connectionClosed:
            if case .awaitingQUITReply = state { return finish() }
            // A server that refuses in the middle of the body and hangs up: report its reply.
            if case .streamingBody = state, let early = try? parser.nextReply(), !early.isPositiveCompletion {
                transcript.record(.server, early.description)
                return fail(.refused(early, at: .message), quit: false)
            }
            if parser.unconsumedByteCount > 0 {
                return fail(
                    .protocolError(.replyTruncated, "the connection ended inside a reply", step: currentStep),
                    quit: false)
            }
            return fail(
                SMTPError(
                    code: .connectionLost, category: .temporary, step: currentStep,
                    message: "the server closed the connection"), quit: false)
        case .driverFailed(let error):
            // A failure while QUITting does not undo messages the server already accepted.
            if case .awaitingQUITReply = state { return finish() }
            return fail(error, quit: false)
        }
    }

    // MARK: - Bytes and replies

    private mutating func received(_ bytes: [UInt8]) -> [SMTPClientAction] {
        guard !bytes.isEmpty else { return [] }
        switch state {
        case .awaitingTLS:
            // CONTRACT §3.3: nothing may arrive between the 220 and the handshake.
            return fail(
                SMTPError(
                    code: .responseInjection, category: .violation, step: .starttls,
                    message: "\(bytes.count) bytes arrived after the 220 to STARTTLS, before the TLS handshake"),
                quit: false)
        case .streamingBody:
            // An early reply (say, 554 before the end of data) is read once the body is out.
            parser.append(bytes)
            return []
        default:
            parser.append(bytes)
            return processReplies()
        }
    }

    private var expectsReply: Bool {
        switch state {
        case .awaitingGreeting, .awaitingEHLO, .awaitingSTARTTLSReply, .authenticating, .awaitingEnvelopeReplies,
            .awaitingDataReply, .awaitingMessageReply, .awaitingRSETReply, .awaitingAuthenticationCancel,
            .awaitingQUITReply:
            return true
        default:
            return false
        }
    }

    private mutating func processReplies() -> [SMTPClientAction] {
        var actions: [SMTPClientAction] = []
        while !isFinished {
            guard expectsReply else {
                if case .awaitingTLS = state { break }
                // A reply that arrives with the 354 is read once the body is out, like later ones.
                if case .streamingBody = state { break }
                if parser.unconsumedByteCount > 0 {
                    return actions
                        + fail(
                            .protocolError(
                                .unexpectedReply, "the server sent data when no reply was due", step: currentStep),
                            quit: false)
                }
                break
            }
            let reply: SMTPReply
            do {
                guard let next = try parser.nextReply() else { break }
                reply = next
            } catch {
                // Garbage after QUIT does not undo messages the server already accepted.
                if case .awaitingQUITReply = state { return actions + finish() }
                var located = error
                located.step = currentStep
                return actions + fail(located, quit: false)
            }
            transcript.record(.server, reply.description)
            actions += handle(reply)
        }
        return actions
    }

    private mutating func handle(_ reply: SMTPReply) -> [SMTPClientAction] {
        switch state {
        case .awaitingGreeting:
            guard reply.code == 220 else { return fail(.refused(reply, at: .greeting), quit: true) }
            return sendEHLO()

        case .awaitingEHLO:
            guard reply.code == 250 else { return fail(.refused(reply, at: .ehlo), quit: true) }
            let capabilities = SMTPCapabilities(ehloReply: reply)
            self.capabilities = capabilities
            parser.parsesEnhancedStatusCodes = capabilities.enhancedStatusCodes
            if configuration.security == .startTLS && !tlsActive {
                guard capabilities.startTLS else {
                    return fail(
                        SMTPError(
                            code: .starttlsUnavailable, category: .violation, step: .ehlo,
                            message: "the server does not offer STARTTLS, and STARTTLS is the mode"), quit: true)
                }
                state = .awaitingSTARTTLSReply
                return send("STARTTLS", timeout: configuration.timeouts.otherCommand)
            }
            state = .awaitingCheckpoint(.ehlo)
            return [
                .cancelTimeout,
                .checkpoint(
                    .ehlo(
                        SMTPEHLOFacts(
                            capabilities: capabilities, tlsActive: tlsActive,
                            upgradedWithSTARTTLS: upgradedWithSTARTTLS))),
            ]

        case .awaitingSTARTTLSReply:
            guard reply.code == 220 else {
                var error = SMTPError.refused(reply, at: .starttls, code: .starttlsUnavailable)
                error.category = .violation
                error.message = "the server refused STARTTLS with \(reply.code)"
                return fail(error, quit: true)
            }
            guard parser.unconsumedByteCount == 0 else {
                return fail(
                    SMTPError(
                        code: .responseInjection, category: .violation, step: .starttls,
                        message: "\(parser.unconsumedByteCount) bytes followed the 220 to STARTTLS in plaintext"),
                    quit: false)
            }
            state = .awaitingTLS
            return [.cancelTimeout, .startTLS]

        case .authenticating(var mechanism, let rounds):
            return authenticationReply(reply, mechanism: &mechanism, rounds: rounds)

        case .awaitingEnvelopeReplies(var progress):
            return envelopeReply(reply, progress: &progress)

        case .awaitingDataReply(let index):
            guard reply.code == 354 else {
                let error = SMTPError.refused(reply, at: .data)
                refused.append(SMTPTransactionRefusal(index: index, error: error))
                return fail(error, quit: true)
            }
            state = .streamingBody(index)
            return [.cancelTimeout, .streamMessageBody(transaction: index)]

        case .awaitingMessageReply(let index, let next):
            return messageReply(reply, index: index, next: next)

        case .awaitingRSETReply, .awaitingAuthenticationCancel:
            return sendQUIT()

        case .awaitingQUITReply:
            return finish()

        default:
            return fail(.protocolError(.unexpectedReply, "a reply arrived when none was due"), quit: false)
        }
    }

    // MARK: - Steps

    private mutating func sendEHLO() -> [SMTPClientAction] {
        state = .awaitingEHLO
        return send("EHLO \(configuration.ehloName)", timeout: configuration.timeouts.otherCommand)
    }

    private mutating func checkpointPassed(_ kind: SMTPCheckpoint.Kind) -> [SMTPClientAction] {
        switch kind {
        case .ehlo:
            guard let credentials = configuration.credentials else { return startNextTransaction() }
            return prepareAuthentication(credentials)
        case .auth:
            return beginAuthentication()
        case .envelope(let index):
            // A pipelined checkpoint answered after the previous message failed: start nothing new.
            if failure != nil { return sendQUIT() }
            return sendEnvelope(index)
        }
    }

    private mutating func prepareAuthentication(_ credentials: SMTPCredentials) -> [SMTPClientAction] {
        guard tlsActive || configuration.allowsAuthenticationWithoutTLS else {
            return fail(
                SMTPError(
                    code: .authOverPlaintext, category: .violation, step: .auth,
                    message: "credentials would be sent on an unencrypted connection"), quit: true)
        }
        let offered = capabilities?.authMechanisms ?? []
        guard
            let name = SMTPAuthMechanismSelection.choose(
                offered: offered, allowed: configuration.allowedAuthMechanisms, proof: credentials.proof,
                followingAllowedOrder: configuration.followsAllowedAuthMechanismOrder)
        else {
            return fail(
                SMTPError(
                    code: .authMechanismNotAllowed, category: .violation, step: .auth,
                    message: "no AUTH mechanism is both offered (\(offered.joined(separator: " "))) and allowed"
                        + " (\(configuration.allowedAuthMechanisms.joined(separator: " ")))"), quit: true)
        }
        chosenMechanism = name
        state = .awaitingCheckpoint(.auth)
        return [.checkpoint(.auth(SMTPAuthFacts(mechanism: name, offeredMechanisms: offered, tlsActive: tlsActive)))]
    }

    private mutating func beginAuthentication() -> [SMTPClientAction] {
        guard let credentials = configuration.credentials, let name = chosenMechanism else {
            return misuse("auth checkpoint without a chosen mechanism")
        }
        do {
            var mechanism = try SMTPAuthMechanismSelection.makeMechanism(
                named: name, credentials: credentials, scramClientNonce: configuration.scramClientNonce)
            var line = "AUTH \(name)"
            var redacted = line
            if let initial = try mechanism.initialResponse() {
                // RFC 4954 §4: "=" stands for an empty initial response.
                line += " " + (initial.isEmpty ? "=" : Data(initial).base64EncodedString())
                redacted += " <redacted>"
            }
            state = .authenticating(mechanism, rounds: 0)
            return send(line, transcriptText: redacted, timeout: configuration.timeouts.otherCommand)
        } catch {
            return fail(error, quit: true)
        }
    }

    private mutating func authenticationReply(
        _ reply: SMTPReply, mechanism: inout any SASLClientMechanism, rounds: Int
    ) -> [SMTPClientAction] {
        do throws(SMTPError) {
            switch reply.code {
            case 334:
                guard rounds < Self.maximumSASLRounds else {
                    throw SMTPError.authProtocol("more than \(Self.maximumSASLRounds) AUTH challenges")
                }
                let text = reply.lines.first ?? []
                guard let challenge = text.isEmpty ? Data() : Data(base64Encoded: Data(text)) else {
                    throw SMTPError.authProtocol("an AUTH challenge is not base64")
                }
                let response = try mechanism.respond(toChallenge: Array(challenge))
                state = .authenticating(mechanism, rounds: rounds + 1)
                return send(
                    Data(response).base64EncodedString(), transcriptText: "<redacted>",
                    timeout: configuration.timeouts.otherCommand)
            case 235:
                try mechanism.acceptSuccess()
                authenticationMechanism = mechanism.name
                return startNextTransaction()
            default:
                // No retry with another mechanism: that would be a downgrade.
                return fail(.refused(reply, at: .auth, code: .authenticationFailed), quit: true)
            }
        } catch {
            guard reply.code == 334 else { return fail(error, quit: true) }
            // The server waits for a SASL response: cancel the exchange before QUIT, so QUIT is
            // not taken as one.
            if failure == nil { failure = error }
            state = .awaitingAuthenticationCancel
            return send("*", timeout: configuration.timeouts.otherCommand)
        }
    }

    private mutating func startNextTransaction() -> [SMTPClientAction] {
        let index = nextTransaction
        guard index < transactions.count, let capabilities else { return sendQUIT() }
        if let error = Self.unsupported(transactions[index], by: capabilities) { return fail(error, quit: true) }
        nextTransaction += 1
        state = .awaitingCheckpoint(.envelope(transaction: index))
        return [.cancelTimeout, .checkpoint(.envelope(envelopeFacts(index, capabilities: capabilities)))]
    }

    /// What the server lacks for this transaction, checked before its checkpoint and MAIL FROM.
    private static func unsupported(_ transaction: SMTPTransaction, by capabilities: SMTPCapabilities) -> SMTPError? {
        func error(_ code: SMTPError.Code, _ message: String) -> SMTPError {
            SMTPError(code: code, category: .permanent, step: .mail, message: message)
        }
        if transaction.requiresSMTPUTF8 && !capabilities.smtpUTF8 {
            return error(
                .smtputf8Unavailable, "the message needs SMTPUTF8 (UTF-8 addresses or headers); the server lacks it")
        }
        if transaction.bodyIs8Bit && !capabilities.eightBitMIME {
            return error(.eightBitMIMEUnavailable, "the body is 8-bit and the server does not offer 8BITMIME")
        }
        if let limit = capabilities.sizeLimit, limit > 0, transaction.messageSize > limit {
            return error(
                .messageTooLargeForServer,
                "the message has \(transaction.messageSize) octets; the server accepts at most \(limit)")
        }
        return nil
    }

    private func envelopeFacts(_ index: Int, capabilities: SMTPCapabilities) -> SMTPEnvelopeFacts {
        SMTPEnvelopeFacts(
            transactionIndex: index, transaction: transactions[index], capabilities: capabilities,
            tlsActive: tlsActive, authenticationMechanism: authenticationMechanism)
    }

    /// The next transaction's checkpoint facts when it may be pipelined behind the end-of-data just written:
    /// the option is on, the server offers PIPELINING, nothing has failed, and the server supports what the
    /// transaction needs (otherwise it starts the ordinary way, after the reply, and fails there).
    private func pipelinableNextEnvelope() -> SMTPEnvelopeFacts? {
        guard configuration.pipelinesAcrossTransactions, failure == nil, let capabilities, capabilities.pipelining,
            nextTransaction < transactions.count,
            Self.unsupported(transactions[nextTransaction], by: capabilities) == nil
        else { return nil }
        return envelopeFacts(nextTransaction, capabilities: capabilities)
    }

    /// The end-of-data reply of transaction `index` (the message's own outcome), then whatever was pipelined
    /// behind it.
    private mutating func messageReply(_ reply: SMTPReply, index: Int, next: PipelinedNext?) -> [SMTPClientAction] {
        var actions: [SMTPClientAction] = []
        if reply.isPositiveCompletion {
            let result = SMTPTransactionResult(
                index: index, acceptedRecipients: transactions[index].recipients.map(\.address), reply: reply)
            completed.append(result)
            actions.append(.transactionCompleted(result))
        } else {
            let error = SMTPError.refused(reply, at: .message)
            refused.append(SMTPTransactionRefusal(index: index, error: error))
            if failure == nil { failure = error }
        }
        switch next {
        case nil:
            return actions + (failure == nil ? startNextTransaction() : sendQUIT())
        case .checkpoint(let nextIndex):
            // The driver has not answered yet; its answer decides (and after a failure leads to QUIT).
            state = .awaitingCheckpoint(.envelope(transaction: nextIndex))
            return actions + [.cancelTimeout]
        case .denied(let violation):
            return actions + fail(violation, quit: true)
        case .envelope(let progress):
            // Already under way: its replies come next and it completes (or fails) on its own, whatever
            // happened to this message; no later transaction starts after a failure.
            state = .awaitingEnvelopeReplies(progress)
            return actions + [.armTimeout(configuration.timeouts.mail)]
        }
    }

    private mutating func sendEnvelope(_ index: Int) -> [SMTPClientAction] {
        let (progress, bytes) = makeEnvelope(index)
        state = .awaitingEnvelopeReplies(progress)
        return [.send(bytes), .armTimeout(configuration.timeouts.mail)]
    }

    /// The envelope commands of transaction `index` and the bytes of its first group: all of them with
    /// PIPELINING, else MAIL FROM alone.
    private mutating func makeEnvelope(_ index: Int) -> (EnvelopeProgress, [UInt8]) {
        let pipelined = capabilities?.pipelining ?? false
        // With one recipient, all-or-nothing needs no decision between RCPT and DATA: a server that refused the
        // recipient refuses DATA too (RFC 2920 §3.1), so DATA can close the group and save a round trip.
        let withData =
            pipelined && configuration.pipelinesDataWithSingleRecipient && transactions[index].recipients.count == 1
        let commands =
            [EnvelopeCommand.mail] + transactions[index].recipients.indices.map { .rcpt($0) }
            + (withData ? [.data] : [])
        let progress = EnvelopeProgress(
            index: index, awaiting: pipelined ? commands : [.mail], unsent: pipelined ? [] : Array(commands.dropFirst())
        )
        var bytes: [UInt8] = []
        for command in progress.awaiting { bytes += line(for: command, in: index) }
        return (progress, bytes)
    }

    private mutating func line(for command: EnvelopeCommand, in index: Int) -> [UInt8] {
        let transaction = transactions[index]
        let capabilities = self.capabilities
        var text: String
        switch command {
        case .mail:
            text = "MAIL FROM:<\(transaction.sender?.address ?? "")>"
            if capabilities?.sizeLimit != nil { text += " SIZE=\(transaction.messageSize)" }
            if transaction.bodyIs8Bit { text += " BODY=8BITMIME" }
            if transaction.requiresSMTPUTF8 { text += " SMTPUTF8" }
            if let dsn = transaction.dsn, capabilities?.dsn == true {
                if let ret = dsn.returnContent { text += " RET=\(ret.rawValue)" }
                // Validated in SMTPTransaction.init, so encoding cannot fail here.
                if let id = dsn.envelopeID, let encoded = try? xtextEncode(id, what: "DSN envelope ID") {
                    text += " ENVID=\(encoded)"
                }
            }
        case .rcpt(let recipient):
            text = "RCPT TO:<\(transaction.recipients[recipient].address)>"
            if let dsn = transaction.dsn, capabilities?.dsn == true, !dsn.notify.isEmpty {
                text += " NOTIFY=" + dsn.notify.map(\.rawValue).joined(separator: ",")
            }
        case .data:
            text = "DATA"
        }
        transcript.record(.client, text)
        return Array((text + "\r\n").utf8)
    }

    private mutating func envelopeReply(_ reply: SMTPReply, progress: inout EnvelopeProgress) -> [SMTPClientAction] {
        guard !progress.awaiting.isEmpty else { return misuse("envelope reply without a command") }
        let command = progress.awaiting.removeFirst()
        let transaction = transactions[progress.index]
        switch command {
        case .mail:
            if !reply.isPositiveCompletion {
                progress.mailRefusal = reply
                progress.unsent = []
            }
        case .rcpt(let recipient):
            let address = transaction.recipients[recipient].address
            if reply.isPositiveCompletion {
                progress.accepted.append(address)
            } else {
                progress.rejected.append(SMTPRecipientRejection(recipient: address, reply: reply))
            }
        case .data:
            progress.dataReply = reply
        }
        if !progress.awaiting.isEmpty {
            state = .awaitingEnvelopeReplies(progress)
            return []
        }
        if !progress.unsent.isEmpty {
            let next = progress.unsent.removeFirst()
            progress.awaiting = [next]
            let bytes = line(for: next, in: progress.index)
            state = .awaitingEnvelopeReplies(progress)
            return [.send(bytes), .armTimeout(configuration.timeouts.rcpt)]
        }
        // A pipelined DATA that a (non-conforming) server answered with 354 although the envelope failed: the
        // server now waits for message data, so QUIT would be read as data. End without a terminator instead;
        // an unterminated DATA is discarded, so nothing is delivered.
        let dataAwaitsBody = progress.dataReply?.code == 354
        if let refusal = progress.mailRefusal {
            let error = SMTPError.refused(refusal, at: .mail)
            refused.append(SMTPTransactionRefusal(index: progress.index, error: error))
            return fail(error, quit: !dataAwaitsBody)
        }
        if !progress.rejected.isEmpty {
            // CONTRACT §3.4: all or nothing. RSET, QUIT, no DATA.
            let permanent = progress.rejected.contains { $0.reply.isPermanentNegative || !$0.reply.isTransientNegative }
            let error = SMTPError(
                code: .recipientsRejected, category: permanent ? .permanent : .temporary, step: .rcpt,
                reply: progress.rejected.first?.reply,
                message:
                    "the server refused \(progress.rejected.count) of \(transaction.recipients.count) recipients: "
                    + progress.rejected.map(\.recipient).joined(separator: ", "),
                rejectedRecipients: progress.rejected)
            refused.append(SMTPTransactionRefusal(index: progress.index, error: error))
            failure = failure ?? error
            if dataAwaitsBody { return finish() }
            state = .awaitingRSETReply
            return send("RSET", timeout: configuration.timeouts.otherCommand)
        }
        if let dataReply = progress.dataReply {
            state = .awaitingDataReply(progress.index)
            return handle(dataReply)
        }
        state = .awaitingDataReply(progress.index)
        return send("DATA", timeout: configuration.timeouts.dataInitiation)
    }

    // MARK: - Ending

    private mutating func sendQUIT() -> [SMTPClientAction] {
        state = .awaitingQUITReply
        return send("QUIT", timeout: configuration.timeouts.otherCommand)
    }

    /// Records the first failure, then QUITs (when the dialogue is in step and it is safe) or ends.
    private mutating func fail(_ error: SMTPError, quit: Bool) -> [SMTPClientAction] {
        if failure == nil { failure = error }
        if quit {
            if case .awaitingQUITReply = state { return finish() }
            return sendQUIT()
        }
        return finish()
    }

    private mutating func misuse(_ message: String) -> [SMTPClientAction] {
        fail(.protocolError(.driverMisuse, message, step: currentStep), quit: false)
    }

    private mutating func finish() -> [SMTPClientAction] {
        state = .finished
        return [
            .cancelTimeout,
            .finish(
                SMTPSessionOutcome(
                    error: failure, completedTransactions: completed, refusedTransactions: refused,
                    capabilities: capabilities,
                    authenticationMechanism: authenticationMechanism, tlsActive: tlsActive)),
        ]
    }

    private mutating func send(_ text: String, transcriptText: String? = nil, timeout: Duration) -> [SMTPClientAction] {
        transcript.record(.client, transcriptText ?? text)
        return [.send(Array((text + "\r\n").utf8)), .armTimeout(timeout)]
    }

    private var currentStep: SMTPStep? {
        switch state {
        case .notConnected, .awaitingGreeting: .greeting
        case .awaitingEHLO: .ehlo
        case .awaitingSTARTTLSReply: .starttls
        case .awaitingTLS: .tls
        case .awaitingCheckpoint(let kind): step(of: kind)
        case .authenticating, .awaitingAuthenticationCancel: .auth
        case .awaitingEnvelopeReplies(let progress):
            if case .rcpt = progress.awaiting.first { .rcpt } else { .mail }
        case .awaitingDataReply: .data
        case .streamingBody, .awaitingMessageReply: .message
        case .awaitingRSETReply: .rset
        case .awaitingQUITReply, .finished: .quit
        }
    }

    private func step(of kind: SMTPCheckpoint.Kind) -> SMTPStep {
        switch kind {
        case .ehlo: .ehlo
        case .auth: .auth
        case .envelope: .mail
        }
    }
}
