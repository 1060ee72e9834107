import PosternSMTP
import Testing

/// The machine's opt-in DATA pipelining for single-recipient transactions, as a script of events.
@Suite("Pipelined DATA (single recipient)")
struct PipelinedDataTests {
    static func machine(recipients: [String]) throws -> SMTPClientStateMachine {
        var configuration = SMTPClientConfiguration(ehloName: "client.test", security: .implicitTLS)
        configuration.pipelinesDataWithSingleRecipient = true
        let transaction = try SMTPTransaction(sender: "a@example.org", recipients: recipients, messageSize: 10)
        var machine = try SMTPClientStateMachine(configuration: configuration, transactions: [transaction])
        _ = machine.handle(.connected)
        _ = machine.handle(.bytesReceived(Array("220 hi\r\n".utf8)))
        _ = machine.handle(.bytesReceived(Array("250-mail.test\r\n250 PIPELINING\r\n".utf8)))
        _ = machine.handle(.checkpointPassed(.ehlo))
        return machine
    }

    static func sent(_ actions: [SMTPClientAction]) -> String {
        actions.compactMap { if case .send(let bytes) = $0 { String(decoding: bytes, as: UTF8.self) } else { nil } }
            .joined()
    }

    @Test("one recipient: MAIL, RCPT and DATA in one write; 354 starts the body")
    func oneWrite() throws {
        var machine = try Self.machine(recipients: ["b@example.org"])
        let group = machine.handle(.checkpointPassed(.envelope(transaction: 0)))
        #expect(Self.sent(group) == "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
        let actions = machine.handle(.bytesReceived(Array("250 ok\r\n250 ok\r\n354 go\r\n".utf8)))
        #expect(actions.contains(.streamMessageBody(transaction: 0)))
    }

    @Test("two recipients: DATA waits for every RCPT reply (all or nothing)")
    func twoRecipients() throws {
        var machine = try Self.machine(recipients: ["b@example.org", "c@example.org"])
        let group = machine.handle(.checkpointPassed(.envelope(transaction: 0)))
        #expect(!Self.sent(group).contains("DATA"))
    }

    @Test("refused recipient, DATA refused too: RSET and QUIT, no body")
    func refused() throws {
        var machine = try Self.machine(recipients: ["b@example.org"])
        _ = machine.handle(.checkpointPassed(.envelope(transaction: 0)))
        let actions = machine.handle(.bytesReceived(Array("250 ok\r\n550 no\r\n554 no valid recipients\r\n".utf8)))
        #expect(Self.sent(actions) == "RSET\r\n")
        #expect(!actions.contains(.streamMessageBody(transaction: 0)))
    }

    @Test("refused recipient but 354 anyway: the session ends without message data or QUIT")
    func nonConforming() throws {
        var machine = try Self.machine(recipients: ["b@example.org"])
        _ = machine.handle(.checkpointPassed(.envelope(transaction: 0)))
        let actions = machine.handle(.bytesReceived(Array("250 ok\r\n550 no\r\n354 go\r\n".utf8)))
        #expect(Self.sent(actions).isEmpty)
        #expect(!actions.contains(.streamMessageBody(transaction: 0)))
        #expect(machine.isFinished)
    }
}
