import Foundation
import Testing

@testable import PosternSMTP

/// A deterministic generator (SplitMix64) so random tests replay the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }
}

func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// Splits `bytes` into `count`-ish random pieces.
func randomChunks(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var index = 0
    while index < bytes.count {
        let size = Int.random(in: 1...Swift.max(1, Swift.min(64, bytes.count - index)), using: &generator)
        chunks.append(Array(bytes[index..<(index + size)]))
        index += size
    }
    return chunks
}

/// A scripted SMTP server for driving the state machine in tests: it answers each command
/// line the machine sends, answers checkpoints, "does" TLS and "streams" bodies, and records
/// everything.
final class FakeServer {
    var greeting = "220 mx.test ESMTP ready\r\n"
    var ehloPlain =
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n"
    var ehloTLS =
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 ENHANCEDSTATUSCODES\r\n"
    var startTLSReply = "220 2.0.0 Ready to start TLS\r\n"
    /// Replies to AUTH and its continuation lines, in order.
    var authScript = ["235 2.7.0 Authentication successful\r\n"]
    var mailReply = "250 2.1.0 Ok\r\n"
    var rcptReplies: [String: String] = [:]
    var defaultRcptReply = "250 2.1.5 Ok\r\n"
    var dataReply = "354 End data with <CR><LF>.<CR><LF>\r\n"
    var messageReply = "250 2.0.0 Ok: queued as 4XyZ\r\n"
    var rsetReply = "250 2.0.0 Ok\r\n"
    var quitReply = "221 2.0.0 Bye\r\n"
    /// Checkpoints to fail, with the violation codes to report.
    var failCheckpoints: [SMTPCheckpoint.Kind: [String]] = [:]

    /// Whether STARTTLS happened: EHLO then answers with `ehloTLS`.
    private(set) var upgraded = false
    private var authStep: Int?

    // What happened.
    private(set) var commandLines: [String] = []
    /// Each command line with the reply it got.
    private(set) var exchanges: [(line: String, reply: String)] = []
    private(set) var sendActions: [String] = []
    private(set) var checkpoints: [SMTPCheckpoint] = []
    private(set) var completed: [SMTPTransactionResult] = []
    private(set) var outcome: SMTPSessionOutcome?
    private(set) var allActions: [SMTPClientAction] = []

    /// Consulted first; a non-nil answer replaces the scripted reply (`"<body>"` stands for the end of data).
    var override: ((String) -> String?)?
    /// Sends each end-of-data reply only together with the replies to the next commands the machine sends (as a
    /// server answering a pipelined group would), or once the machine sends nothing more: so the machine sees it
    /// only after it has written whatever it pipelines behind the body.
    var holdsMessageReplies = false
    private var heldReplies = ""
    /// The end-of-data reply each transaction got, by index.
    private(set) var messageReplies: [Int: String] = [:]
    /// For each body streamed: the envelope exchanges since the last MAIL, as they were when the body started.
    private(set) var envelopesBeforeBodies: [[(line: String, reply: String)]] = []

    func reply(to line: String) -> String {
        if let override, let forced = override(line) {
            if forced.hasPrefix("2") || forced.hasPrefix("5") || forced.hasPrefix("4") { authStep = nil }
            return forced
        }
        if let step = authStep {
            let reply = step < authScript.count ? authScript[step] : "535 5.7.8 no more\r\n"
            authStep = reply.hasPrefix("334") ? step + 1 : nil
            return reply
        }
        let verb = line.split(separator: " ").first.map { String($0).uppercased() } ?? ""
        switch verb {
        case "EHLO": return upgraded ? ehloTLS : ehloPlain
        case "STARTTLS": return startTLSReply
        case "AUTH":
            authStep = 0
            return reply(to: line)
        case "MAIL": return mailReply
        case "RCPT":
            let address = line.drop { $0 != "<" }.dropFirst().prefix { $0 != ">" }
            return rcptReplies[String(address)] ?? defaultRcptReply
        case "DATA": return dataReply
        case "RSET": return rsetReply
        case "QUIT": return quitReply
        default: return "500 5.5.2 what?\r\n"
        }
    }

    /// Runs the machine to its end and returns the outcome.
    @discardableResult
    func run(_ machine: inout SMTPClientStateMachine) -> SMTPSessionOutcome? {
        var queue: [SMTPClientEvent] = [.connected, .bytesReceived(Array(greeting))]
        var steps = 0
        while !queue.isEmpty, steps < 10_000 {
            steps += 1
            let actions = machine.handle(queue.removeFirst())
            allActions += actions
            var replies = ""
            for action in actions {
                switch action {
                case .send(let bytes):
                    let text = String(decoding: bytes, as: UTF8.self)
                    sendActions.append(text)
                    for line in text.components(separatedBy: "\r\n").dropLast() {
                        commandLines.append(line)
                        let answer = reply(to: line)
                        exchanges.append((line, answer))
                        replies += answer
                    }
                case .startTLS:
                    upgraded = true
                    queue.append(.tlsEstablished)
                case .checkpoint(let checkpoint):
                    checkpoints.append(checkpoint)
                    if let codes = failCheckpoints[checkpoint.kind] {
                        queue.append(.checkpointFailed(checkpoint.kind, violationCodes: codes, message: "denied"))
                    } else {
                        queue.append(.checkpointPassed(checkpoint.kind))
                    }
                case .streamMessageBody(let index):
                    commandLines.append("<body \(index)>")
                    let lastMail = exchanges.lastIndex { $0.line.hasPrefix("MAIL") } ?? exchanges.endIndex
                    envelopesBeforeBodies.append(Array(exchanges[lastMail...]))
                    queue.append(.messageBodySent(transaction: index))
                    let answer = override?("<body>") ?? messageReply
                    messageReplies[index] = answer
                    if holdsMessageReplies { heldReplies += answer } else { replies += answer }
                case .transactionCompleted(let result):
                    completed.append(result)
                case .finish(let outcome):
                    self.outcome = outcome
                case .armTimeout, .cancelTimeout:
                    break
                }
            }
            if !heldReplies.isEmpty && (!replies.isEmpty || queue.isEmpty) {
                replies = heldReplies + replies
                heldReplies = ""
            }
            if !replies.isEmpty { queue.append(.bytesReceived(Array(replies))) }
            // A stalled dialogue (say, a reply without its CRLF) ends as a real timer would end it.
            if queue.isEmpty && outcome == nil { queue.append(.timeout) }
        }
        return outcome
    }

    var verbs: [String] { commandLines.map { $0.split(separator: " ").first.map(String.init) ?? "" } }
}

func machine(
    security: SMTPConnectionSecurity = .implicitTLS, credentials: SMTPCredentials? = nil,
    allowed: [String] = ["SCRAM-SHA-256", "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"],
    transactions: [SMTPTransaction], nonce: String? = nil, pipelinesAcrossTransactions: Bool = false,
    pipelinesData: Bool = false
) throws -> SMTPClientStateMachine {
    var configuration = SMTPClientConfiguration(
        ehloName: "client.example.org", security: security, credentials: credentials,
        allowedAuthMechanisms: allowed, scramClientNonce: nonce)
    configuration.pipelinesAcrossTransactions = pipelinesAcrossTransactions
    configuration.pipelinesDataWithSingleRecipient = pipelinesData
    return try SMTPClientStateMachine(configuration: configuration, transactions: transactions)
}

func transaction(
    from: String? = "alice@example.org", to: [String] = ["bob@example.org"], size: Int = 1234,
    eightBit: Bool = false, utf8Headers: Bool = false, dsn: SMTPDSNRequest? = nil
) throws -> SMTPTransaction {
    try SMTPTransaction(
        sender: from, recipients: to, messageSize: size, bodyIs8Bit: eightBit, headersRequireSMTPUTF8: utf8Headers,
        dsn: dsn)
}

let password = SMTPCredentials(username: "alice", proof: .password(Secret("canary-P4ssw0rd-xyzzy")))
