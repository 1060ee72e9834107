import NIOCore
import NIOSSL
import NIOTLS

/// One connection of the ``ScriptedSMTPServer``: frames lines on bytes (its own buffer, so nothing buffered before
/// STARTTLS leaks into TLS), answers per the script, and records everything.
final class ScriptedSMTPSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case command
        case data
        case authPlainResponse
        case authLoginUser
        case authLoginPassword
        case stalled
        case closed
    }

    /// Longest line accepted; more without a line ending gets `500` and a close (bounded memory).
    static let maximumLineLength = 64 * 1024
    /// Largest message accepted; more gets `552` and a close.
    static let maximumMessageSize = 32 * 1024 * 1024

    private let script: SMTPServerScript
    private let store: RecordingStore
    private let sslContext: NIOSSLContext?
    private let rawCloser: RawCloser
    private var buffer: [UInt8] = []
    private var message: [UInt8] = []
    private var tlsActive: Bool
    private var phase = Phase.command
    /// Messages whose data has ended on this connection.
    private var messagesEnded = 0
    /// An end-of-data reply withheld until the next command line (``SMTPServerScript/endOfDataRepliesHeldForNextCommand``).
    private var heldReply: SMTPScriptedReply?
    /// Recipients accepted in the current transaction.
    private var acceptedRecipients = 0

    init(script: SMTPServerScript, store: RecordingStore, sslContext: NIOSSLContext?, rawCloser: RawCloser) {
        self.script = script
        self.store = store
        self.sslContext = sslContext
        self.rawCloser = rawCloser
        self.tlsActive = script.security == .implicitTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        store.update { $0.connections += 1 }
        // With implicit TLS, NIOSSL holds this write until the handshake has completed.
        perform(.greeting, default: "220 \(script.hostname) ESMTP Postern scripted server", context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        let bytes = incoming.readBytes(length: incoming.readableBytes) ?? []
        let inTLS = tlsActive
        store.update { recording in
            if inTLS { recording.tlsBytes += bytes } else { recording.plaintextBytes += bytes }
        }
        switch phase {
        case .stalled, .closed:
            return
        case .data where script.dropConnectionDuringData && !bytes.isEmpty:
            store.update { $0.partialMessageBytes += bytes }
            closeAbruptly()
            return
        default:
            buffer += bytes
            processBuffer(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            store.update { $0.tlsHandshakesCompleted += 1 }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        store.update { $0.errors.append(String(describing: error)) }
        closeAbruptly()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase == .data, !message.isEmpty {
            let partial = message
            store.update { $0.partialMessageBytes += partial }
        }
        phase = .closed
        context.fireChannelInactive()
    }

    // MARK: - Framing

    private func processBuffer(context: ChannelHandlerContext) {
        while phase != .stalled, phase != .closed {
            guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.count > Self.maximumLineLength {
                    send("500 5.5.0 Line too long", context: context)
                    closeAbruptly()
                }
                return
            }
            var line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            handle(line: line, context: context)
        }
    }

    private func handle(line: [UInt8], context: ChannelHandlerContext) {
        switch phase {
        case .data where script.dropConnectionDuringData:
            // Data pipelined in the same read as DATA reaches here rather than the read-level check.
            let partial = line + [13, 10]
            store.update { $0.partialMessageBytes += partial }
            closeAbruptly()
        case .data:
            if line == [UInt8(ascii: ".")] {
                let completed = message
                message = []
                phase = .command
                store.update {
                    $0.messages.append(completed)
                    $0.dialogue.append("C: .")
                }
                let position = messagesEnded
                messagesEnded += 1
                let reply =
                    script.endOfDataReplies[position] ?? script.replies[.endOfData]
                    ?? .reply("250 2.0.0 Ok: queued as SCRIPTED")
                if script.endOfDataRepliesHeldForNextCommand.contains(position) {
                    heldReply = reply
                } else {
                    execute(reply, context: context)
                }
            } else {
                message += line + [13, 10]
                if message.count > Self.maximumMessageSize {
                    send("552 5.3.4 Message too big", context: context)
                    closeAbruptly()
                }
            }
        case .authPlainResponse, .authLoginPassword:
            recordCommand(line)
            phase = .command
            send("235 2.7.0 Authentication successful", context: context)
        case .authLoginUser:
            recordCommand(line)
            phase = .authLoginPassword
            send("334 UGFzc3dvcmQ6", context: context)
        case .command:
            recordCommand(line)
            if let held = heldReply {
                heldReply = nil
                execute(held, context: context)
                guard phase == .command else { return }
            }
            handleCommand(String(decoding: line, as: UTF8.self), context: context)
        case .stalled, .closed:
            return
        }
    }

    private func recordCommand(_ line: [UInt8]) {
        let plain = String(decoding: line, as: UTF8.self)
        let text = (tlsActive ? "[tls] " : "") + plain
        store.update {
            $0.commandLines.append(text)
            $0.dialogue.append("C: " + plain)
        }
    }

    // MARK: - Commands

    private func handleCommand(_ line: String, context: ChannelHandlerContext) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        let verb = words.first.map { $0.uppercased() } ?? ""
        switch verb {
        case "EHLO":
            var keywords =
                tlsActive || script.security == .implicitTLS
                ? script.capabilitiesAfterTLS : script.capabilitiesBeforeTLS
            if script.stripSTARTTLS { keywords.removeAll { $0.uppercased() == "STARTTLS" } }
            let lines = [script.hostname] + keywords
            let reply = lines.enumerated().map { index, text in
                (index == lines.count - 1 ? "250 " : "250-") + text
            }.joined(separator: "\r\n")
            perform(.ehlo, default: reply, context: context)
        case "HELO":
            perform(.helo, default: "250 \(script.hostname)", context: context)
        case "STARTTLS":
            handleStartTLS(context: context)
        case "AUTH":
            handleAuth(words.dropFirst().map(String.init), context: context)
        case "MAIL":
            acceptedRecipients = 0
            perform(.mail, default: "250 2.1.0 Ok", context: context)
        case "RCPT":
            let address = Self.angleAddress(in: line)?.lowercased() ?? ""
            if script.rejectedRecipients.contains(where: { $0.lowercased() == address }) {
                send("550 5.1.1 <\(address)>: Recipient address rejected", context: context)
            } else {
                let action = script.replies[.rcpt] ?? .reply("250 2.1.5 Ok")
                if Self.startsWithCode(action, "2") { acceptedRecipients += 1 }
                execute(action, context: context)
            }
        case "DATA":
            let refuses = script.refusesDataWithoutValidRecipients && acceptedRecipients == 0
            let action =
                script.replies[.data]
                ?? .reply(refuses ? "554 5.5.1 Error: no valid recipients" : "354 End data with <CR><LF>.<CR><LF>")
            execute(action, context: context)
            if Self.startsWithCode(action, "354") {
                phase = .data
                message = []
            }
        case "RSET":
            acceptedRecipients = 0
            perform(.rset, default: "250 2.0.0 Ok", context: context)
        case "NOOP":
            perform(.noop, default: "250 2.0.0 Ok", context: context)
        case "QUIT":
            let action = script.replies[.quit] ?? .reply("221 2.0.0 Bye")
            if case .reply(let text) = action {
                phase = .closed
                store.update { $0.dialogue.append("S: " + text) }
                context.writeAndFlush(wrapOutboundOut(Self.buffer(text + "\r\n", context: context)))
                    .assumeIsolated()
                    .whenComplete { _ in context.close(promise: nil) }
            } else {
                execute(action, context: context)
            }
        default:
            send("502 5.5.2 Error: command not recognized", context: context)
        }
    }

    private func handleStartTLS(context: ChannelHandlerContext) {
        guard !tlsActive else {
            send("503 5.5.1 TLS already active", context: context)
            return
        }
        guard script.security == .startTLS, let sslContext else {
            perform(.startTLS, default: "454 4.7.0 TLS not available", context: context)
            return
        }
        let action = script.replies[.startTLS] ?? .reply("220 2.0.0 Ready to start TLS")
        guard Self.startsWithCode(action, "220") else {
            execute(action, context: context)  // a refusal (454/502/501…): stay in plaintext
            return
        }
        var bytes: [UInt8]
        switch action {
        case .reply(let text): bytes = Array((text + "\r\n").utf8)
        case .raw(let raw): bytes = raw
        case .stall, .disconnect: return
        }
        // The injection travels in the very same write as the 220, as an attacker in the path would send it.
        bytes += script.injectedAfterStartTLSReply
        var out = context.channel.allocator.buffer(capacity: bytes.count)
        out.writeBytes(bytes)
        // Recorded before replying, so a client that has read the 220 also sees this in the recording.
        let pipelined = buffer
        buffer = []
        if !pipelined.isEmpty {
            store.update { $0.bytesAfterSTARTTLSCommand += pipelined }
        }
        let sent = bytes
        store.update { $0.dialogue.append("S: " + String(decoding: sent, as: UTF8.self)) }
        // Flush the 220 in the clear BEFORE adding TLS: once the handler is in place, writes are encrypted.
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        do {
            let tls = NIOSSLServerHandler(context: sslContext)
            try context.pipeline.syncOperations.addHandler(tls, position: .after(rawCloser))
            tlsActive = true
        } catch {
            store.update { $0.errors.append("cannot add TLS: \(error)") }
            closeAbruptly()
        }
    }

    private func handleAuth(_ arguments: [String], context: ChannelHandlerContext) {
        if let override = script.replies[.auth] {
            execute(override, context: context)
            return
        }
        switch arguments.first?.uppercased() {
        case "PLAIN" where arguments.count >= 2:
            send("235 2.7.0 Authentication successful", context: context)
        case "PLAIN":
            phase = .authPlainResponse
            send("334 ", context: context)
        case "LOGIN":
            phase = .authLoginUser
            send("334 VXNlcm5hbWU6", context: context)
        default:
            send("504 5.5.4 Unrecognized authentication type", context: context)
        }
    }

    // MARK: - Output

    private func perform(_ step: SMTPStep, default text: String, context: ChannelHandlerContext) {
        execute(script.replies[step] ?? .reply(text), context: context)
    }

    private func execute(_ action: SMTPScriptedReply, context: ChannelHandlerContext) {
        switch action {
        case .reply(let text):
            send(text, context: context)
        case .raw(let bytes):
            store.update { $0.dialogue.append("S: " + String(decoding: bytes, as: UTF8.self)) }
            var out = context.channel.allocator.buffer(capacity: bytes.count)
            out.writeBytes(bytes)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .stall:
            phase = .stalled
        case .disconnect:
            closeAbruptly()
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        store.update { $0.dialogue.append("S: " + text) }
        context.writeAndFlush(wrapOutboundOut(Self.buffer(text + "\r\n", context: context)), promise: nil)
    }

    private func closeAbruptly() {
        if phase != .closed { store.update { $0.dialogue.append("S: <disconnect>") } }
        phase = .closed
        rawCloser.closeAbruptly()
    }

    private static func buffer(_ text: String, context: ChannelHandlerContext) -> ByteBuffer {
        context.channel.allocator.buffer(string: text)
    }

    private static func startsWithCode(_ action: SMTPScriptedReply, _ code: String) -> Bool {
        switch action {
        case .reply(let text): text.hasPrefix(code)
        case .raw(let bytes): bytes.starts(with: Array(code.utf8))
        case .stall, .disconnect: false
        }
    }

    private static func angleAddress(in line: String) -> String? {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return nil }
        return String(line[line.index(after: open)..<close])
    }
}
