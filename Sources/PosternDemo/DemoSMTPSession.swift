import Foundation
import NIOCore
import NIOSSL

/// One connection to the demo submission server: a minimal RFC 5321/3207/4954 responder.
///
/// Deliberately small: one demo user, AUTH PLAIN only and only under TLS, messages kept in memory.
/// Input is bounded (line and message size), and anything unexpected gets a 5xx reply.
final class DemoSMTPSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Limits that keep a hostile client from growing memory without bound.
    static let maximumLineLength = 4096
    static let maximumMessageSize = 10 * 1024 * 1024

    private enum Phase {
        case command
        case authPlainResponse
        case data
    }

    private let log: DemoServerLog
    private let account: DemoAccount
    private let sslContext: NIOSSLContext
    private var tlsActive: Bool
    private var phase = Phase.command
    private var pending: [UInt8] = []
    private var authenticated = false
    private var sender: String?
    private var recipients: [String] = []
    private var data: [UInt8] = []

    init(log: DemoServerLog, account: DemoAccount, sslContext: NIOSSLContext, tlsActive: Bool) {
        self.log = log
        self.account = account
        self.sslContext = sslContext
        self.tlsActive = tlsActive
    }

    func channelActive(context: ChannelHandlerContext) {
        log.update { $0.connections += 1 }
        reply("220 localhost ESMTP Postern demo server (DEMO ONLY)", context: context)
    }

    func channelRead(context: ChannelHandlerContext, data input: NIOAny) {
        var buffer = unwrapInboundIn(input)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while !closing, let end = lineEnd() {
            let line = Array(pending[..<end])
            pending.removeFirst(end + 2)
            handle(line: line, context: context)
            // STARTTLS: anything the client pipelined after the command is discarded (RFC 3207 §4.2).
            if phase == .command, upgradedJustNow {
                upgradedJustNow = false
                pending = []
                return
            }
        }
        if !closing, pending.count > Self.maximumLineLength {
            reply("500 5.5.6 line too long", context: context)
            close(context: context)
        }
    }

    private var upgradedJustNow = false
    /// Set once the session closes the connection: nothing more is read or answered.
    private var closing = false

    private func close(context: ChannelHandlerContext) {
        closing = true
        pending = []
        context.close(promise: nil)
    }

    private func lineEnd() -> Int? {
        guard pending.count >= 2 else { return nil }
        for index in 0..<(pending.count - 1) where pending[index] == 13 && pending[index + 1] == 10 {
            return index
        }
        return nil
    }

    private func handle(line: [UInt8], context: ChannelHandlerContext) {
        switch phase {
        case .data: receiveData(line: line, context: context)
        case .authPlainResponse:
            phase = .command
            checkPlain(String(decoding: line, as: UTF8.self), context: context)
        case .command: command(String(decoding: line, as: UTF8.self), context: context)
        }
    }

    private func command(_ line: String, context: ChannelHandlerContext) {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let verb = (parts.first ?? "").uppercased()
        let argument = parts.count > 1 ? parts[1] : ""
        log.update { $0.commandVerbs.append(verb) }
        switch verb {
        case "EHLO":
            resetTransaction()
            var lines = ["250-localhost greets you (demo)", "250-PIPELINING", "250-SIZE \(Self.maximumMessageSize)"]
            if tlsActive {
                lines.append("250-AUTH PLAIN")
            } else {
                lines.append("250-STARTTLS")
            }
            lines.append("250 8BITMIME")
            reply(lines.joined(separator: "\r\n"), context: context)
        case "HELO":
            reply("250 localhost", context: context)
        case "STARTTLS":
            guard !tlsActive else { return reply("503 5.5.1 TLS already active", context: context) }
            // The 220 leaves in the clear; only then does TLS go at the head of the pipeline.
            reply("220 2.0.0 ready to start TLS", context: context)
            do {
                try context.pipeline.syncOperations.addHandler(
                    NIOSSLServerHandler(context: sslContext), position: .first)
                tlsActive = true
                upgradedJustNow = true
                resetTransaction()
                authenticated = false
            } catch {
                close(context: context)
            }
        case "AUTH":
            log.update { $0.authAttempts += 1 }
            let words = argument.split(separator: " ").map(String.init)
            guard tlsActive else { return reply("538 5.7.11 encryption required for AUTH", context: context) }
            guard !authenticated else { return reply("503 5.5.1 already authenticated", context: context) }
            guard words.first?.uppercased() == "PLAIN" else {
                return reply("504 5.5.4 only AUTH PLAIN", context: context)
            }
            if words.count >= 2 {
                checkPlain(words[1], context: context)
            } else {
                phase = .authPlainResponse
                reply("334 ", context: context)
            }
        case "MAIL":
            guard authenticated else { return reply("530 5.7.0 authentication required", context: context) }
            guard let address = Self.address(in: argument, after: "FROM:") else {
                return reply("501 5.5.4 syntax: MAIL FROM:<address>", context: context)
            }
            resetTransaction()
            sender = address
            reply("250 2.1.0 sender ok", context: context)
        case "RCPT":
            guard sender != nil else { return reply("503 5.5.1 MAIL first", context: context) }
            guard let address = Self.address(in: argument, after: "TO:"), !address.isEmpty else {
                return reply("501 5.5.4 syntax: RCPT TO:<address>", context: context)
            }
            guard recipients.count < 100 else { return reply("452 4.5.3 too many recipients", context: context) }
            recipients.append(address)
            reply("250 2.1.5 recipient ok", context: context)
        case "DATA":
            guard sender != nil, !recipients.isEmpty else {
                return reply("503 5.5.1 MAIL and RCPT first", context: context)
            }
            phase = .data
            data = []
            reply("354 end with <CRLF>.<CRLF>", context: context)
        case "RSET":
            resetTransaction()
            reply("250 2.0.0 ok", context: context)
        case "NOOP":
            reply("250 2.0.0 ok", context: context)
        case "QUIT":
            reply("221 2.0.0 bye", context: context)
            close(context: context)
        default:
            reply("500 5.5.2 command not recognised", context: context)
        }
    }

    private func checkPlain(_ base64: String, context: ChannelHandlerContext) {
        // RFC 4616: [authzid] NUL authcid NUL passwd.
        guard let decoded = Data(base64Encoded: base64) else {
            return reply("501 5.5.2 bad base64", context: context)
        }
        let fields = Array(decoded).split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count == 3, account.matches(user: Array(fields[1]), password: Array(fields[2])) else {
            return reply("535 5.7.8 authentication failed", context: context)
        }
        authenticated = true
        log.update { $0.authSuccesses += 1 }
        reply("235 2.7.0 authenticated", context: context)
    }

    private func receiveData(line: [UInt8], context: ChannelHandlerContext) {
        if line == [46] {  // "." alone ends the data
            phase = .command
            let message = DemoReceivedMessage(sender: sender ?? "", recipients: recipients, data: data)
            log.update { $0.messages.append(message) }
            resetTransaction()
            reply("250 2.0.0 Ok: queued in memory as demo-\(log.snapshot.messages.count)", context: context)
            return
        }
        // Un-stuff: a leading dot was doubled by the client (RFC 5321 §4.5.2).
        let content = line.first == 46 ? line.dropFirst() : line[...]
        guard data.count + content.count + 2 <= Self.maximumMessageSize else {
            reply("552 5.3.4 message too big", context: context)
            close(context: context)
            return
        }
        data += content
        data += [13, 10]
    }

    private func resetTransaction() {
        sender = nil
        recipients = []
        data = []
    }

    private func reply(_ text: String, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: text.utf8.count + 2)
        out.writeString(text + "\r\n")
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    /// The address between `<` and `>` after `FROM:`/`TO:` (parameters after it are ignored).
    static func address(in argument: String, after keyword: String) -> String? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let rest = argument.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<close])
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context)
    }
}
