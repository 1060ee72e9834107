import Testing

@testable import PosternSMTP

/// RFC 2920 §3.1 across transactions: the next envelope goes right behind a message's end of data, after its
/// checkpoint, and every reply is attributed in order — driven as scripts of events.
@Suite("Dialogue state machine: pipelining across transactions")
struct CrossTransactionPipeliningTests {
    static let ehlo = "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

    /// A machine with `count` single-recipient transactions (recipient `r<i>@example.org`), past EHLO.
    static func session(
        count: Int = 3, ehlo: String = ehlo, enabled: Bool = true, eightBit: Set<Int> = []
    ) throws -> SMTPClientStateMachine {
        var transactions: [SMTPTransaction] = []
        for index in 0..<count {
            transactions.append(try transaction(to: ["r\(index)@example.org"], eightBit: eightBit.contains(index)))
        }
        var session = try machine(
            security: .plaintext, transactions: transactions, pipelinesAcrossTransactions: enabled,
            pipelinesData: true)
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        let checkpoint = session.handle(.bytesReceived([UInt8](ehlo)))
        #expect(checkpoint.contains { if case .checkpoint(.ehlo) = $0 { true } else { false } })
        _ = session.handle(.checkpointPassed(.ehlo))
        return session
    }

    /// A machine streaming the body of transaction 0 (its envelope sent and accepted).
    static func streamingFirstBody(count: Int = 3) throws -> SMTPClientStateMachine {
        var session = try session(count: count)
        #expect(sent(session.handle(.checkpointPassed(.envelope(transaction: 0)))) == envelope(0))
        let go = session.handle(.bytesReceived([UInt8]("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")))
        #expect(go.contains(.streamMessageBody(transaction: 0)))
        return session
    }

    /// The pipelined envelope group of transaction `index`.
    static func envelope(_ index: Int) -> String {
        "MAIL FROM:<alice@example.org>\r\nRCPT TO:<r\(index)@example.org>\r\nDATA\r\n"
    }

    static func sent(_ actions: [SMTPClientAction]) -> String {
        actions.compactMap { if case .send(let bytes) = $0 { String(decoding: bytes, as: UTF8.self) } else { nil } }
            .joined()
    }

    static func checkpoints(_ actions: [SMTPClientAction]) -> [SMTPCheckpoint.Kind] {
        actions.compactMap { if case .checkpoint(let checkpoint) = $0 { checkpoint.kind } else { nil } }
    }

    static func completed(_ actions: [SMTPClientAction]) -> [Int] {
        actions.compactMap { if case .transactionCompleted(let result) = $0 { result.index } else { nil } }
    }

    static func outcome(_ actions: [SMTPClientAction]) -> SMTPSessionOutcome? {
        actions.lazy.compactMap { if case .finish(let outcome) = $0 { outcome } else { nil } }.first
    }

    /// The body of transaction 0 is written; the checkpoint of transaction 1 is asked at once (nothing is sent
    /// before it passes), then its envelope follows the end of data without waiting for message 0's reply.
    static func pipelineSecond(_ session: inout SMTPClientStateMachine) {
        let afterBody = session.handle(.messageBodySent(transaction: 0))
        #expect(checkpoints(afterBody) == [.envelope(transaction: 1)])
        #expect(sent(afterBody).isEmpty)
        #expect(sent(session.handle(.checkpointPassed(.envelope(transaction: 1)))) == envelope(1))
    }

    @Test("three messages: each envelope after the previous end of data, replies matched in order")
    func happyPath() throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        // Message 0's reply, then message 1's envelope replies, in one read.
        let first = session.handle(.bytesReceived([UInt8]("250 2.0.0 queued 0\r\n250 ok\r\n250 ok\r\n354 go\r\n")))
        #expect(Self.completed(first) == [0])
        #expect(first.contains(.streamMessageBody(transaction: 1)))
        let completedBeforeBody =
            try #require(first.firstIndex { if case .transactionCompleted = $0 { true } else { false } })
            < (try #require(first.firstIndex(of: .streamMessageBody(transaction: 1))))
        #expect(completedBeforeBody)

        let afterSecond = session.handle(.messageBodySent(transaction: 1))
        #expect(Self.checkpoints(afterSecond) == [.envelope(transaction: 2)])
        #expect(Self.sent(session.handle(.checkpointPassed(.envelope(transaction: 2)))) == Self.envelope(2))
        let second = session.handle(.bytesReceived([UInt8]("250 2.0.0 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n")))
        #expect(Self.completed(second) == [1])
        #expect(second.contains(.streamMessageBody(transaction: 2)))

        // The last message: nothing to pipeline, QUIT after its reply.
        let afterLast = session.handle(.messageBodySent(transaction: 2))
        #expect(Self.checkpoints(afterLast).isEmpty && Self.sent(afterLast).isEmpty)
        let last = session.handle(.bytesReceived([UInt8]("250 2.0.0 queued 2\r\n")))
        #expect(Self.completed(last) == [2])
        #expect(Self.sent(last) == "QUIT\r\n")
        let outcome = try #require(Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n")))))
        #expect(outcome.succeeded)
        #expect(outcome.completedTransactions.map(\.index) == [0, 1, 2])
        #expect(
            outcome.completedTransactions.map(\.reply.firstLineText) == [
                "250 2.0.0 queued 0", "250 2.0.0 queued 1", "250 2.0.0 queued 2",
            ])
        #expect(
            outcome.completedTransactions.map(\.acceptedRecipients) == [
                ["r0@example.org"], ["r1@example.org"], ["r2@example.org"],
            ])
        #expect(outcome.refusedTransactions.isEmpty)
    }

    @Test("replies split at every byte are attributed the same way")
    func byteByByte() throws {
        var session = try Self.streamingFirstBody(count: 2)
        Self.pipelineSecond(&session)
        var actions: [SMTPClientAction] = []
        for byte in [UInt8]("250 2.0.0 queued 0\r\n250 ok\r\n250 ok\r\n354 go\r\n") {
            actions += session.handle(.bytesReceived([byte]))
        }
        #expect(Self.completed(actions) == [0])
        #expect(actions.last == .streamMessageBody(transaction: 1))
    }

    /// A failure at one position of the pipelined exchange, and what must follow.
    struct Failure: Sendable, CustomTestStringConvertible {
        let name: String
        /// What the server answers after message 0's end of data (its reply, then message 1's envelope's).
        let replies: String
        let completed: [Int]
        let refused: [Int]
        let errorStep: SMTPStep
        let exitCode: Int32
        /// Whether message 1's body is sent (its own envelope went through).
        let secondBody: Bool
        /// What the client sends right after these replies.
        let then: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "message 0 refused at end of data (554), message 1 already under way proceeds",
            replies: "554 5.7.1 spam\r\n250 ok\r\n250 ok\r\n354 go\r\n", completed: [1], refused: [0],
            errorStep: .message, exitCode: 69, secondBody: true, then: ""),
        Failure(
            name: "message 0 deferred at end of data (451), message 1 proceeds",
            replies: "451 4.3.0 later\r\n250 ok\r\n250 ok\r\n354 go\r\n", completed: [1], refused: [0],
            errorStep: .message, exitCode: 75, secondBody: true, then: ""),
        Failure(
            name: "message 1 MAIL FROM refused",
            replies: "250 queued\r\n553 5.7.1 sender\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n",
            completed: [0], refused: [1], errorStep: .mail, exitCode: 69, secondBody: false, then: "QUIT\r\n"),
        Failure(
            name: "message 1 recipient refused, DATA refused too",
            replies: "250 queued\r\n250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n",
            completed: [0], refused: [1], errorStep: .rcpt, exitCode: 69, secondBody: false, then: "RSET\r\n"),
        Failure(
            name: "message 1 recipient deferred, DATA refused",
            replies: "250 queued\r\n250 ok\r\n450 4.2.0 busy\r\n554 5.5.1 no valid recipients\r\n",
            completed: [0], refused: [1], errorStep: .rcpt, exitCode: 75, secondBody: false, then: "RSET\r\n"),
        Failure(
            name: "message 1 DATA refused",
            replies: "250 queued\r\n250 ok\r\n250 ok\r\n451 4.3.0 no\r\n", completed: [0], refused: [1],
            errorStep: .data, exitCode: 75, secondBody: false, then: "QUIT\r\n"),
        Failure(
            name: "message 1 recipient refused but 354 anyway: no data, no QUIT (it would be message data)",
            replies: "250 queued\r\n250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n", completed: [0], refused: [1],
            errorStep: .rcpt, exitCode: 69, secondBody: false, then: ""),
        Failure(
            name: "both refused: each transaction gets its own refusal, the first is the error",
            replies: "554 5.7.1 spam\r\n250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n",
            completed: [], refused: [0, 1], errorStep: .message, exitCode: 69, secondBody: false, then: "RSET\r\n"),
    ]

    @Test("a failure at each position of the pipelined exchange", arguments: failures)
    func failureAtEachPosition(_ failure: Failure) throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        let actions = session.handle(.bytesReceived([UInt8](failure.replies)))
        #expect(actions.contains(.streamMessageBody(transaction: 1)) == failure.secondBody)
        #expect(Self.sent(actions) == failure.then)
        var outcome = Self.outcome(actions)
        if failure.secondBody {
            // Message 1 completes on its own; nothing starts after a failure: no checkpoint for message 2.
            let afterBody = session.handle(.messageBodySent(transaction: 1))
            #expect(Self.checkpoints(afterBody).isEmpty)
            let reply = session.handle(.bytesReceived([UInt8]("250 2.0.0 queued 1\r\n")))
            #expect(Self.completed(reply) == [1])
            #expect(Self.sent(reply) == "QUIT\r\n")
            outcome = Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n"))))
        } else if failure.then == "RSET\r\n" {
            #expect(Self.sent(session.handle(.bytesReceived([UInt8]("250 ok\r\n")))) == "QUIT\r\n")
            outcome = Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n"))))
        } else if failure.then == "QUIT\r\n" {
            outcome = Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n"))))
        }
        let result = try #require(outcome)
        #expect(result.completedTransactions.map(\.index) == failure.completed)
        #expect(result.refusedTransactions.map(\.index) == failure.refused)
        #expect(result.error?.step == failure.errorStep)
        #expect(result.error?.category.exitCode == failure.exitCode)
        #expect(!session.transcript.lines.contains { $0.hasPrefix("C: MAIL") && $0.contains("r2@") })
        #expect(session.isFinished)
    }

    @Test(
        "the connection lost or silent after message 0's end of data: its outcome is unknown, never sent",
        arguments: [SMTPClientEvent.connectionClosed, .timeout])
    func lostAfterEndOfData(_ event: SMTPClientEvent) throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        let outcome = try #require(Self.outcome(session.handle(event)))
        #expect(outcome.completedTransactions.isEmpty)
        #expect(outcome.refusedTransactions.isEmpty)
        #expect(outcome.error?.step == .message)
        #expect(outcome.error?.category.exitCode == 75)
    }

    @Test("a reply cut off by the hang-up is a protocol error, and message 0 is not counted as sent")
    func truncatedReply() throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        #expect(session.handle(.bytesReceived([UInt8]("250 2.0.0 que"))).isEmpty)
        let outcome = try #require(Self.outcome(session.handle(.connectionClosed)))
        #expect(outcome.completedTransactions.isEmpty)
        #expect(outcome.error?.code == .replyTruncated)
    }

    @Test("message 0's reply, then the connection lost during message 1's envelope: 0 sent, 1 unknown")
    func lostDuringTheNextEnvelope() throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        #expect(Self.completed(session.handle(.bytesReceived([UInt8]("250 queued\r\n250 ok\r\n")))) == [0])
        let outcome = try #require(Self.outcome(session.handle(.connectionClosed)))
        #expect(outcome.completedTransactions.map(\.index) == [0])
        #expect(outcome.refusedTransactions.isEmpty)
        #expect(outcome.error?.code == .connectionLost && outcome.error?.step == .rcpt)
    }

    @Test("message 1's checkpoint denied while message 0's reply is due: nothing of 1 is sent, 0's outcome is kept")
    func checkpointDenied() throws {
        var session = try Self.streamingFirstBody()
        let afterBody = session.handle(.messageBodySent(transaction: 0))
        #expect(Self.checkpoints(afterBody) == [.envelope(transaction: 1)])
        let denied = session.handle(
            .checkpointFailed(.envelope(transaction: 1), violationCodes: ["recipient-not-allowed"], message: "denied"))
        #expect(denied.isEmpty)
        let reply = session.handle(.bytesReceived([UInt8]("250 queued\r\n")))
        #expect(Self.completed(reply) == [0])
        #expect(Self.sent(reply) == "QUIT\r\n")
        let outcome = try #require(Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n")))))
        #expect(outcome.completedTransactions.map(\.index) == [0])
        #expect(outcome.error?.code.rawValue == "recipient-not-allowed")
        #expect(outcome.error?.category.exitCode == 77)
        #expect(!session.transcript.lines.contains { $0.contains("r1@") })
    }

    @Test("message 0's reply before the checkpoint answer: the envelope follows the answer", arguments: [true, false])
    func replyBeforeTheCheckpointAnswer(accepted: Bool) throws {
        var session = try Self.streamingFirstBody()
        #expect(Self.checkpoints(session.handle(.messageBodySent(transaction: 0))) == [.envelope(transaction: 1)])
        let reply = session.handle(.bytesReceived([UInt8](accepted ? "250 queued\r\n" : "554 5.7.1 no\r\n")))
        #expect(Self.completed(reply) == (accepted ? [0] : []))
        #expect(Self.sent(reply).isEmpty)
        let answer = session.handle(.checkpointPassed(.envelope(transaction: 1)))
        // After a refusal nothing new starts, even though the checkpoint passed.
        #expect(Self.sent(answer) == (accepted ? Self.envelope(1) : "QUIT\r\n"))
    }

    @Test("an answer to a checkpoint nobody asked is driver misuse")
    func strayCheckpointAnswer() throws {
        var session = try Self.streamingFirstBody()
        Self.pipelineSecond(&session)
        let outcome = try #require(Self.outcome(session.handle(.checkpointPassed(.envelope(transaction: 1)))))
        #expect(outcome.error?.code == .driverMisuse)
    }

    @Test(
        "without PIPELINING, or with the option off: the next checkpoint only after the reply",
        arguments: [true, false])
    func notPipelined(serverOffers: Bool) throws {
        var session = try Self.session(
            count: 2, ehlo: serverOffers ? Self.ehlo : "250-mx.test\r\n250 8BITMIME\r\n", enabled: !serverOffers)
        _ = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        if serverOffers {
            _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n250 ok\r\n354 go\r\n")))
        } else {
            _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
            _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
            _ = session.handle(.bytesReceived([UInt8]("354 go\r\n")))
        }
        let afterBody = session.handle(.messageBodySent(transaction: 0))
        #expect(Self.checkpoints(afterBody).isEmpty)
        let reply = session.handle(.bytesReceived([UInt8]("250 queued\r\n")))
        #expect(Self.completed(reply) == [0])
        #expect(Self.checkpoints(reply) == [.envelope(transaction: 1)])
    }

    @Test("a next message the server cannot take is not pipelined: it fails after message 0's reply")
    func unsupportedNextMessage() throws {
        var session = try Self.session(count: 2, ehlo: "250-mx.test\r\n250 PIPELINING\r\n", eightBit: [1])
        _ = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n250 ok\r\n354 go\r\n")))
        #expect(Self.checkpoints(session.handle(.messageBodySent(transaction: 0))).isEmpty)
        let reply = session.handle(.bytesReceived([UInt8]("250 queued\r\n")))
        #expect(Self.completed(reply) == [0])
        #expect(Self.sent(reply) == "QUIT\r\n")
        let outcome = try #require(Self.outcome(session.handle(.bytesReceived([UInt8]("221 bye\r\n")))))
        #expect(outcome.error?.code == .eightBitMIMEUnavailable)
        #expect(outcome.completedTransactions.map(\.index) == [0])
    }

    @Test("a batch against the scripted fake server: same commands, one envelope write per message")
    func fakeServerBatch() throws {
        let server = FakeServer()
        server.holdsMessageReplies = true
        server.ehloPlain = Self.ehlo
        var session = try machine(
            security: .plaintext,
            transactions: try (0..<4).map { try transaction(to: ["r\($0)@example.org"]) },
            pipelinesAcrossTransactions: true, pipelinesData: true)
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(outcome.completedTransactions.map(\.index) == [0, 1, 2, 3])
        #expect(server.sendActions.filter { $0.hasPrefix("MAIL") } == (0..<4).map(Self.envelope))
        // Every envelope after the first was written before the previous message's reply was read: the transcript
        // shows message k+1's MAIL FROM before message k's 250.
        let lines = session.transcript.lines
        for index in 1..<4 {
            let mail = try #require(lines.firstIndex { $0.hasPrefix("C: RCPT TO:<r\(index)@") })
            let previousReply = try #require(
                lines.indices.filter { lines[$0].hasPrefix("S: 250 2.0.0 Ok: queued") }.dropFirst(index - 1).first)
            #expect(mail < previousReply)
        }
    }
}
