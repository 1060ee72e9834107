import Foundation
import Testing

@testable import PosternSMTP

@Suite("Dialogue state machine")
struct StateMachineTests {
    @Test("happy path, with and without PIPELINING", arguments: [true, false])
    func happyPath(pipelining: Bool) throws {
        let server = FakeServer()
        server.ehloPlain =
            pipelining
            ? "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
            : "250-mx.test\r\n250-SIZE 1000000\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
        var session = try machine(
            credentials: password,
            transactions: [try transaction(to: ["bob@example.org", "carol@example.org"], eightBit: true)])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(server.verbs == ["EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "<body", "QUIT"])
        #expect(server.commandLines[2] == "MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME")
        #expect(server.commandLines[3] == "RCPT TO:<bob@example.org>")
        let envelopeWrites = server.sendActions.filter { $0.hasPrefix("MAIL") || $0.hasPrefix("RCPT") }
        #expect(envelopeWrites.count == (pipelining ? 1 : 3))
        #expect(outcome.authenticationMechanism == "PLAIN")
        #expect(outcome.completedTransactions.map(\.reply.code) == [250])
        #expect(outcome.completedTransactions.first?.acceptedRecipients == ["bob@example.org", "carol@example.org"])
        #expect(server.checkpoints.map(\.kind) == [.ehlo, .auth, .envelope(transaction: 0)])
        #expect(session.transcript.lines.contains("C: AUTH PLAIN <redacted>"))
        #expect(session.isFinished)
    }

    @Test func batchOfTransactionsOverOneConnection() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 PIPELINING\r\n"
        var session = try machine(
            security: .plaintext,
            transactions: [
                try transaction(to: ["bob@example.org"]), try transaction(to: ["bcc1@example.org"]),
                try transaction(to: ["bcc2@example.org"]),
            ])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(server.verbs.filter { $0 == "MAIL" }.count == 3)
        #expect(server.verbs.filter { $0 == "DATA" }.count == 3)
        #expect(server.verbs.filter { $0 == "QUIT" }.count == 1)
        #expect(server.completed.map(\.index) == [0, 1, 2])
        #expect(
            server.checkpoints.map(\.kind) == [
                .ehlo, .envelope(transaction: 0), .envelope(transaction: 1),
                .envelope(transaction: 2),
            ])
        // No SIZE advertised: no SIZE= parameter.
        #expect(server.commandLines.contains("MAIL FROM:<alice@example.org>"))
    }

    @Test func startTLSDiscardsEverythingLearntBeforeTLS() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING\r\n"
        server.ehloTLS = "250-mx.test\r\n250 AUTH LOGIN\r\n"
        server.authScript = [
            "334 \(base64("Username:"))\r\n", "334 \(base64("Password:"))\r\n", "235 2.7.0 ok\r\n",
        ]
        var session = try machine(security: .startTLS, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(server.verbs.prefix(3) == ["EHLO", "STARTTLS", "EHLO"])
        #expect(outcome.authenticationMechanism == "LOGIN")  // PLAIN was only offered before TLS
        #expect(try #require(outcome.capabilities).pipelining == false)
        let envelopeWrites = server.sendActions.filter { $0.hasPrefix("MAIL") || $0.hasPrefix("RCPT") }
        #expect(envelopeWrites.count == 2)  // pre-TLS PIPELINING forgotten
        guard case .ehlo(let facts) = try #require(server.checkpoints.first) else {
            Issue.record("first checkpoint is not EHLO")
            return
        }
        #expect(facts.tlsActive && facts.upgradedWithSTARTTLS)
        #expect(facts.capabilities.authMechanisms == ["LOGIN"])
        #expect(server.checkpoints.filter { $0.kind == .ehlo }.count == 1)  // none before TLS
        #expect(!session.transcript.lines.joined().contains("canary"))
    }

    @Test func startTLSNotOfferedFailsWithoutPlaintextFallback() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250-AUTH PLAIN\r\n250 PIPELINING\r\n"
        var session = try machine(security: .startTLS, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .starttlsUnavailable)
        #expect(outcome.error?.code.rawValue == "starttls-unavailable")
        #expect(outcome.error?.category.exitCode == 77)
        #expect(server.verbs == ["EHLO", "QUIT"])
        #expect(server.checkpoints.isEmpty)
    }

    @Test(
        "a refused STARTTLS is starttls-unavailable",
        arguments: [
            "454 4.7.0 TLS not available\r\n", "502 5.5.1 not implemented\r\n", "501 5.5.4 syntax\r\n",
            "250 ok?\r\n",
        ])
    func startTLSRefused(_ reply: String) throws {
        let server = FakeServer()
        server.startTLSReply = reply
        var session = try machine(security: .startTLS, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .starttlsUnavailable)
        #expect(outcome.error?.step == .starttls)
        #expect(server.verbs == ["EHLO", "STARTTLS", "QUIT"])
        #expect(!server.allActions.contains(.startTLS))
    }

    @Test(
        "bytes after the 220 to STARTTLS are response-injection",
        arguments: [
            "220 2.0.0 Ready\r\n250 injected\r\n",
            "220 2.0.0 Ready\r\n235 2.7.0 Authentication successful\r\n",
            "220 2.0.0 Ready\r\n2",
            "220 2.0.0 Ready\r\n\r\n",
        ])
    func responseInjectionInTheSameRead(_ reply: String) throws {
        let server = FakeServer()
        server.startTLSReply = reply
        var session = try machine(security: .startTLS, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .responseInjection)
        #expect(outcome.error?.code.rawValue == "response-injection")
        #expect(!server.allActions.contains(.startTLS))
        #expect(server.verbs == ["EHLO", "STARTTLS"])  // nothing more, not even QUIT
        #expect(outcome.authenticationMechanism == nil)
    }

    @Test func bytesArrivingLaterBeforeTheHandshakeAreResponseInjection() throws {
        var session = try machine(security: .startTLS, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250-mx\r\n250 STARTTLS\r\n")))
        let actions = session.handle(.bytesReceived([UInt8]("220 go\r\n")))
        #expect(actions.contains(.startTLS))
        let injected = session.handle(.bytesReceived([UInt8]("235 2.7.0 ok\r\n")))
        guard case .finish(let outcome) = try #require(injected.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.error?.code == .responseInjection)
        #expect(!injected.contains { if case .send = $0 { true } else { false } })
        #expect(session.handle(.tlsEstablished).isEmpty)  // over: nothing more happens
    }

    @Test func anUnsolicitedReplyWhileAwaitingACheckpointIsNeverAccepted() throws {
        var session = try machine(credentials: password, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        let actions = session.handle(.bytesReceived([UInt8]("250-mx\r\n250 AUTH PLAIN\r\n")))
        #expect(actions.contains { if case .checkpoint(.ehlo) = $0 { true } else { false } })
        #expect(!actions.contains { if case .send = $0 { true } else { false } })
        let injected = session.handle(.bytesReceived([UInt8]("235 2.7.0 ok\r\n")))
        guard case .finish(let outcome) = try #require(injected.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.error?.code == .unexpectedReply)
        #expect(outcome.authenticationMechanism == nil)
        #expect(session.handle(.checkpointPassed(.ehlo)).isEmpty)
    }

    @Test func authAndMailWaitForTheirCheckpoints() throws {
        var session = try machine(credentials: password, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250-mx\r\n250 AUTH PLAIN\r\n")))
        // The wrong checkpoint answer does not unlock AUTH.
        let wrong = session.handle(.checkpointPassed(.auth))
        #expect(
            !wrong.contains { if case .send(let bytes) = $0 { bytes.starts(with: [UInt8]("AUTH")) } else { false } })
        guard case .finish(let outcome) = try #require(wrong.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.error?.code == .driverMisuse)
    }

    @Test func stepByStepCheckpointsGateAuthAndMail() throws {
        var session = try machine(credentials: password, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250-mx\r\n250 AUTH PLAIN\r\n")))
        let afterEHLOCheckpoint = session.handle(.checkpointPassed(.ehlo))
        #expect(afterEHLOCheckpoint.count == 1)
        guard case .checkpoint(.auth(let facts)) = try #require(afterEHLOCheckpoint.first) else {
            Issue.record("expected the auth checkpoint")
            return
        }
        #expect(facts.mechanism == "PLAIN" && facts.tlsActive)
        let auth = session.handle(.checkpointPassed(.auth))
        #expect(
            auth.first.map { if case .send(let b) = $0 { b.starts(with: [UInt8]("AUTH PLAIN ")) } else { false } }
                == true)
        let afterAuth = session.handle(.bytesReceived([UInt8]("235 2.7.0 ok\r\n")))
        #expect(!afterAuth.contains { if case .send = $0 { true } else { false } })
        let mail = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        #expect(
            mail.first.map { if case .send(let b) = $0 { b.starts(with: [UInt8]("MAIL FROM:")) } else { false } }
                == true)
    }

    @Test(
        "a failed checkpoint sends QUIT and reports the violation",
        arguments: [
            (SMTPCheckpoint.Kind.ehlo, "pin-mismatch"), (.auth, "auth-mechanism-not-allowed"),
            (.envelope(transaction: 0), "recipient-not-allowed"),
        ])
    func checkpointFailure(_ kind: SMTPCheckpoint.Kind, _ code: String) throws {
        let server = FakeServer()
        server.failCheckpoints = [kind: [code]]
        server.ehloPlain = "250-mx.test\r\n250 AUTH PLAIN\r\n"
        var session = try machine(credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code.rawValue == code)
        #expect(outcome.error?.category == .violation)
        #expect(server.verbs.last == "QUIT")
        #expect(!server.verbs.contains("MAIL"))
        if kind != .envelope(transaction: 0) { #expect(!server.verbs.contains("AUTH")) }
    }

    @Test("one rejected recipient: RSET, QUIT, no DATA", arguments: [true, false])
    func recipientRejected(pipelining: Bool) throws {
        let server = FakeServer()
        server.ehloPlain = pipelining ? "250-mx.test\r\n250 PIPELINING\r\n" : "250 mx.test\r\n"
        server.rcptReplies = ["eve@example.net": "550 5.1.1 <eve@example.net>: unknown\r\n"]
        var session = try machine(
            security: .plaintext,
            transactions: [try transaction(to: ["bob@example.org", "eve@example.net", "carol@example.org"])])
        let outcome = try #require(server.run(&session))
        #expect(server.verbs == ["EHLO", "MAIL", "RCPT", "RCPT", "RCPT", "RSET", "QUIT"])
        #expect(!server.verbs.contains("DATA"))
        let error = try #require(outcome.error)
        #expect(error.code == .recipientsRejected && error.category == .permanent && error.step == .rcpt)
        #expect(error.rejectedRecipients.map(\.recipient) == ["eve@example.net"])
        #expect(error.rejectedRecipients.first?.reply.code == 550)
        #expect(outcome.completedTransactions.isEmpty)
    }

    @Test func temporarilyRejectedRecipientIsTemporary() throws {
        let server = FakeServer()
        server.rcptReplies = ["bob@example.org": "451 4.3.0 greylisted\r\n"]
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.category.exitCode == 75)
        #expect(server.verbs.suffix(2) == ["RSET", "QUIT"])
    }

    enum FailingStep: String, CaseIterable, Sendable {
        case greeting, ehlo, auth, mail, rcpt, data, message
    }

    @Test("4xx and 5xx at each step", arguments: FailingStep.allCases, [421, 554])
    func refusalAtEachStep(_ failing: FailingStep, _ code: Int) throws {
        let server = FakeServer()
        server.ehloTLS = "250-mx.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n"
        let reply = "\(code) \(code / 100).0.0 no\r\n"
        switch failing {
        case .greeting: server.greeting = reply
        case .ehlo: server.ehloPlain = reply
        case .auth: server.authScript = [reply]
        case .mail: server.mailReply = reply
        case .rcpt: server.defaultRcptReply = reply
        case .data: server.dataReply = reply
        case .message: server.messageReply = reply
        }
        var session = try machine(security: .startTLS, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        let error = try #require(outcome.error)
        let expectedStep: SMTPStep =
            switch failing {
            case .greeting: .greeting
            case .ehlo: .ehlo
            case .auth: .auth
            case .mail: .mail
            case .rcpt: .rcpt
            case .data: .data
            case .message: .message
            }
        #expect(error.step == expectedStep)
        #expect(error.category == (code == 421 ? .temporary : .permanent))
        #expect(error.category.exitCode == (code == 421 ? 75 : 69))
        #expect(error.reply?.code == code)
        #expect(server.verbs.last == "QUIT")
        #expect(server.verbs.filter { $0 == "AUTH" }.count <= 1)  // never a second AUTH attempt
        if failing != .message { #expect(!server.verbs.contains("<body")) }
        #expect(outcome.completedTransactions.isEmpty)
    }

    @Test func auth535IsAnAuthFailureWithoutFallback() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH SCRAM-SHA-256 PLAIN LOGIN\r\n"
        server.authScript = ["535 5.7.8 Authentication credentials invalid\r\n"]
        var session = try machine(credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .authenticationFailed)
        #expect(outcome.error?.code.rawValue == "auth-failed")
        #expect(server.verbs == ["EHLO", "AUTH", "QUIT"])
        #expect(server.commandLines[1].hasPrefix("AUTH SCRAM-SHA-256 "))
    }

    @Test func scramOverTheWireWithTheRFCVector() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH PLAIN SCRAM-SHA-256\r\n"
        server.authScript = [
            "334 \(base64(SASLTests.rfcServerFirst))\r\n", "334 \(base64(SASLTests.rfcServerFinal))\r\n",
            "235 2.7.0 Authentication successful\r\n",
        ]
        let credentials = SMTPCredentials(username: "user", proof: .password(Secret("pencil")))
        var session = try machine(credentials: credentials, transactions: [], nonce: SASLTests.rfcNonce)
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(outcome.authenticationMechanism == "SCRAM-SHA-256")
        #expect(server.commandLines[1] == "AUTH SCRAM-SHA-256 \(base64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))")
        #expect(server.commandLines[2] == base64(SASLTests.rfcClientFinal))
        #expect(server.commandLines[3] == "")
        #expect(server.verbs.last == "QUIT")
        #expect(session.transcript.lines.filter { $0 == "C: <redacted>" }.count == 2)
    }

    @Test(
        "SCRAM: a bad or missing server signature is never accepted",
        arguments: [
            [
                "334 \(base64(SASLTests.rfcServerFirst))\r\n",
                "334 \(base64("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))\r\n",
                "235 2.7.0 ok\r\n",
            ],
            ["334 \(base64(SASLTests.rfcServerFirst))\r\n", "235 2.7.0 ok\r\n"],
            ["235 2.7.0 ok\r\n"],
        ])
    func scramForgedSuccess(_ script: [String]) throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH SCRAM-SHA-256\r\n"
        server.authScript = script
        let credentials = SMTPCredentials(username: "user", proof: .password(Secret("pencil")))
        var session = try machine(
            credentials: credentials, transactions: [try transaction()], nonce: SASLTests.rfcNonce)
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .authServerSignatureInvalid)
        #expect(outcome.authenticationMechanism == nil)
        #expect(!server.verbs.contains("MAIL"))
    }

    @Test("the transcript never holds the password", arguments: ["PLAIN", "LOGIN", "SCRAM-SHA-256"])
    func transcriptCanary(_ mechanism: String) throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH \(mechanism)\r\n"
        server.authScript =
            mechanism == "LOGIN"
            ? ["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"]
            : mechanism == "SCRAM-SHA-256"
                ? [
                    "334 \(base64("r=nonce-from-client-and-server,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))\r\n",
                    "535 5.7.8 no\r\n",
                ]
                : ["235 ok\r\n"]
        var session = try machine(credentials: password, transactions: [try transaction()], nonce: "nonce-from-client")
        let outcome = try #require(server.run(&session))
        let everything = session.transcript.lines.joined(separator: "\n") + "\(outcome)" + String(reflecting: outcome)
        let canary = "canary-P4ssw0rd-xyzzy"
        for needle in [canary, base64(canary), base64("\u{0}alice\u{0}\(canary)")] {
            #expect(!everything.contains(needle))
        }
        #expect(session.transcript.lines.contains { $0.hasPrefix("C: AUTH \(mechanism)") })
    }

    @Test func authIsRefusedOnPlaintext() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH PLAIN\r\n"
        var session = try machine(security: .plaintext, credentials: password, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code.rawValue == "auth-over-plaintext")
        #expect(server.verbs == ["EHLO", "QUIT"])
    }

    @Test func noCommonMechanismIsAViolation() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH CRAM-MD5 PLAIN\r\n"
        var session = try machine(credentials: password, allowed: ["SCRAM-SHA-256"], transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code.rawValue == "auth-mechanism-not-allowed")
        #expect(!server.verbs.contains("AUTH"))
    }

    @Test func oauthBearerWithAToken() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH PLAIN XOAUTH2 OAUTHBEARER\r\n"
        let credentials = SMTPCredentials(username: "alice@example.org", proof: .bearerToken(Secret("ya29.token")))
        var session = try machine(credentials: credentials, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded && outcome.authenticationMechanism == "OAUTHBEARER")
        #expect(!session.transcript.lines.joined().contains("ya29"))
    }

    @Test func smtpUTF8IsRequiredWhenNeeded() throws {
        let lacking = FakeServer()
        lacking.ehloPlain = "250-mx.test\r\n250 8BITMIME\r\n"
        var session = try machine(security: .plaintext, transactions: [try transaction(to: ["j\u{f6}rg@example.org"])])
        let outcome = try #require(lacking.run(&session))
        #expect(outcome.error?.code == .smtputf8Unavailable)
        #expect(!lacking.verbs.contains("MAIL"))

        let offering = FakeServer()
        offering.ehloPlain = "250-mx.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        var second = try machine(security: .plaintext, transactions: [try transaction(utf8Headers: true)])
        #expect(try #require(offering.run(&second)).succeeded)
        #expect(offering.commandLines.contains("MAIL FROM:<alice@example.org> SMTPUTF8"))
    }

    @Test func eightBitBodyNeeds8BITMIME() throws {
        let server = FakeServer()
        server.ehloPlain = "250 mx.test\r\n"
        var session = try machine(security: .plaintext, transactions: [try transaction(eightBit: true)])
        #expect(try #require(server.run(&session)).error?.code == .eightBitMIMEUnavailable)
    }

    @Test func messageOverTheServerSizeIsRefusedBeforeMail() throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 SIZE 1000\r\n"
        var session = try machine(security: .plaintext, transactions: [try transaction(size: 1001)])
        #expect(try #require(server.run(&session)).error?.code == .messageTooLargeForServer)
        #expect(!server.verbs.contains("MAIL"))
    }

    @Test("DSN parameters only when offered", arguments: [true, false])
    func dsnParameters(offered: Bool) throws {
        let server = FakeServer()
        server.ehloPlain = offered ? "250-mx.test\r\n250 DSN\r\n" : "250 mx.test\r\n"
        let dsn = SMTPDSNRequest(returnContent: .headers, envelopeID: "QQ314159", notify: [.success, .failure])
        var session = try machine(security: .plaintext, transactions: [try transaction(dsn: dsn)])
        #expect(try #require(server.run(&session)).succeeded)
        #expect(
            server.commandLines.contains(
                offered ? "MAIL FROM:<alice@example.org> RET=HDRS ENVID=QQ314159" : "MAIL FROM:<alice@example.org>"))
        #expect(
            server.commandLines.contains(
                offered ? "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE" : "RCPT TO:<bob@example.org>"))
    }

    @Test func nullSender() throws {
        let server = FakeServer()
        var session = try machine(security: .plaintext, transactions: [try transaction(from: nil)])
        #expect(try #require(server.run(&session)).succeeded)
        #expect(server.commandLines.contains { $0.hasPrefix("MAIL FROM:<> ") })
    }

    @Test(
        "bad input is a data error before any byte",
        arguments: [
            ("bob@example.org\r\nDATA", "client.example.org"), ("bob\u{0}@example.org", "client.example.org"),
            ("bob@example.org", "client\nexample"), ("bob@example.org\n", "client.example.org"),
        ])
    func dataErrorsBeforeAnything(_ recipient: String, _ ehlo: String) {
        #expect {
            _ = try SMTPClientStateMachine(
                configuration: SMTPClientConfiguration(ehloName: ehlo, security: .implicitTLS),
                transactions: [try transaction(to: [recipient])])
        } throws: { ($0 as? SMTPError)?.category.exitCode == 65 }
    }

    @Test func badCredentialsAreADataErrorBeforeAnything() {
        #expect(throws: SMTPError.self) {
            _ = try machine(
                credentials: SMTPCredentials(username: "alice\r\nQUIT", proof: .password(Secret("x"))), transactions: []
            )
        }
    }

    @Test(
        "oversized or garbage replies end the session as protocol errors",
        arguments: [
            ("250 " + String(repeating: "x", count: 600), SMTPError.Code.replyLineTooLong),
            (String(repeating: "250-x\r\n", count: 150), .replyTooManyLines),
            ("250 ok\n", .replyMalformed),
            ("250-a\r\n550 b\r\n", .replyMalformed),
        ])
    func protocolErrorsInTheDialogue(_ ehloReply: String, _ code: SMTPError.Code) throws {
        let server = FakeServer()
        server.ehloPlain = ehloReply
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == code)
        #expect(outcome.error?.step == .ehlo)
        #expect(server.verbs == ["EHLO"])
    }

    @Test func timeoutsAndLostConnections() throws {
        var session = try machine(transactions: [try transaction()])
        #expect(session.handle(.connected) == [.armTimeout(.seconds(300))])
        var outcome = session.handle(.timeout)
        guard case .finish(let timedOut) = try #require(outcome.last) else {
            Issue.record("no finish")
            return
        }
        #expect(timedOut.error?.code == .timeout && timedOut.error?.category.exitCode == 75)

        var truncated = try machine(transactions: [try transaction()])
        _ = truncated.handle(.connected)
        _ = truncated.handle(.bytesReceived([UInt8]("220 mx")))
        outcome = truncated.handle(.connectionClosed)
        guard case .finish(let cut) = try #require(outcome.last) else {
            Issue.record("no finish")
            return
        }
        #expect(cut.error?.code == .replyTruncated)

        var lost = try machine(transactions: [try transaction()])
        _ = lost.handle(.connected)
        outcome = lost.handle(.connectionClosed)
        guard case .finish(let gone) = try #require(outcome.last) else {
            Issue.record("no finish")
            return
        }
        #expect(gone.error?.code == .connectionLost && gone.error?.category.exitCode == 75)
    }

    @Test func timeoutValuesFollowRFC5321AndScale() throws {
        let timeouts = SMTPTimeouts()
        #expect(timeouts.greeting == .seconds(300) && timeouts.mail == .seconds(300) && timeouts.rcpt == .seconds(300))
        #expect(timeouts.dataInitiation == .seconds(120) && timeouts.dataBlock == .seconds(180))
        #expect(timeouts.dataTermination == .seconds(600))
        #expect(SMTPTimeouts(scale: 0.01).dataTermination == .seconds(6))
        #expect(SMTPTimeouts(scale: -1) == SMTPTimeouts())
        let server = FakeServer()
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        server.run(&session)
        #expect(server.allActions.contains(.armTimeout(.seconds(120))))
        #expect(server.allActions.contains(.armTimeout(.seconds(600))))
    }

    @Test func earlyReplyDuringTheBodyIsReadAfterwards() throws {
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250 mx\r\n")))
        _ = session.handle(.checkpointPassed(.ehlo))
        _ = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        let data = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        #expect(data.first == .send([UInt8]("DATA\r\n")))
        #expect(session.handle(.bytesReceived([UInt8]("354 go\r\n"))).contains(.streamMessageBody(transaction: 0)))
        #expect(session.handle(.bytesReceived([UInt8]("554 5.6.0 rejected\r\n"))).isEmpty)
        let after = session.handle(.messageBodySent(transaction: 0))
        #expect(after.contains(.send([UInt8]("QUIT\r\n"))))
        #expect(
            session.handle(.bytesReceived([UInt8]("221 bye\r\n"))).contains {
                if case .finish(let outcome) = $0 { outcome.error?.step == .message } else { false }
            })
    }

    @Test func checkDialogueWithoutTransactions() throws {
        let server = FakeServer()
        var session = try machine(security: .startTLS, transactions: [])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(server.verbs == ["EHLO", "STARTTLS", "EHLO", "QUIT"])
        #expect(outcome.tlsActive)
        #expect(outcome.capabilities?.authMechanisms == ["PLAIN", "LOGIN"])
    }
}

@Suite("Dialogue state machine: endings")
struct StateMachineEndingTests {
    @Test(
        "garbage or refusal after QUIT keeps a successful outcome",
        arguments: [
            "221 bye\r\n", "500 what\r\n", "garbage\r\n", "250 " + String(repeating: "x", count: 600),
        ])
    func quitReplyDoesNotMatter(_ quitReply: String) throws {
        let server = FakeServer()
        server.quitReply = quitReply
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        let outcome = try #require(server.run(&session))
        #expect(outcome.succeeded)
        #expect(outcome.completedTransactions.count == 1)
    }

    @Test func laterFailureKeepsEarlierAcceptedMessages() throws {
        let server = FakeServer()
        server.rcptReplies = ["second@example.org": "550 5.1.1 unknown\r\n"]
        var session = try machine(
            security: .plaintext,
            transactions: [try transaction(to: ["first@example.org"]), try transaction(to: ["second@example.org"])])
        let outcome = try #require(server.run(&session))
        #expect(outcome.completedTransactions.map(\.acceptedRecipients) == [["first@example.org"]])
        #expect(outcome.error?.rejectedRecipients.map(\.recipient) == ["second@example.org"])
    }
}

@Suite("Dialogue state machine: random servers")
struct StateMachineRandomTests {
    /// Replies a hostile or broken server might give to any command (each one reply or junk,
    /// so the harness's view of which reply answered which command matches the machine's).
    static let replyPool = [
        "250 ok\r\n", "250-a\r\n250 b\r\n", "220 go\r\n", "235 2.7.0 ok\r\n", "334 \r\n", "334 VXNlcm5hbWU6\r\n",
        "354 go\r\n", "421 4.4.2 bye\r\n", "450 busy\r\n", "451 4.3.0 later\r\n", "454 4.7.0 no TLS\r\n",
        "500 what\r\n", "501 syntax\r\n", "502 no\r\n", "503 order\r\n", "530 auth first\r\n", "535 5.7.8 no\r\n",
        "550 5.1.1 unknown\r\n", "554 5.7.1 no\r\n", "252 maybe\r\n", "garbage\r\n", "250 ok\n", "2",
        "250 \u{c2}\u{9b}31m red\r\n",
    ]

    static func verb(_ text: String) -> String {
        // "\r\n" is one Character in Swift, so compare on scalars.
        String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != " " && $0 != "\r" && $0 != "\n" }))
    }

    @Test(
        "invariants hold against a server answering at random (with and without pipelining across transactions)",
        arguments: 0..<6 as Range<UInt64>, [false, true])
    func invariants(seed: UInt64, pipelined: Bool) throws {
        var generator = SeededGenerator(seed: seed)
        var successes = 0
        var failures = 0
        for round in 0..<150 {
            let server = FakeServer()
            server.holdsMessageReplies = pipelined
            let good = Double.random(in: 0.5...0.95, using: &generator)
            var local = SeededGenerator(seed: seed &* 1000 &+ UInt64(round))
            server.override = { _ in
                guard Double.random(in: 0...1, using: &local) > good else { return nil }
                return StateMachineRandomTests.replyPool.randomElement(using: &local)
            }
            server.ehloPlain = "250-mx.test\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN SCRAM-SHA-256\r\n"
            server.ehloTLS = "250-mx.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
            server.authScript = ["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"]
            let security = [SMTPConnectionSecurity.startTLS, .implicitTLS, .plaintext].randomElement(using: &generator)
            var session = try machine(
                security: security ?? .startTLS, credentials: security == .plaintext ? nil : password,
                allowed: ["LOGIN"],
                transactions: [
                    try transaction(to: ["a@example.org", "b@example.org"]), try transaction(to: ["c@example.org"]),
                    try transaction(to: ["d@example.org"]),
                ], pipelinesAcrossTransactions: pipelined, pipelinesData: pipelined)
            let outcome = try #require(server.run(&session), "the session must end")
            #expect(server.allActions.filter { if case .finish = $0 { true } else { false } }.count == 1)

            let sent = server.allActions.enumerated().compactMap { index, action -> (Int, String)? in
                if case .send(let bytes) = action { (index, String(decoding: bytes, as: UTF8.self)) } else { nil }
            }
            // With STARTTLS as the mode, nothing but EHLO, STARTTLS and QUIT before the handshake.
            if security == .startTLS {
                let tlsIndex = server.allActions.firstIndex(of: .startTLS) ?? server.allActions.count
                for (index, text) in sent where index < tlsIndex {
                    #expect(["EHLO", "STARTTLS", "QUIT"].contains(Self.verb(text)))
                }
            }
            // AUTH and MAIL only after a checkpoint; AUTH never without TLS.
            for (index, text) in sent where ["AUTH", "MAIL"].contains(Self.verb(text)) {
                #expect(server.allActions[..<index].contains { if case .checkpoint = $0 { true } else { false } })
                if Self.verb(text) == "AUTH" { #expect(security != .plaintext) }
            }
            // All or nothing: DATA only when MAIL and every RCPT since it got a 2xx (pipelined DATA of a single
            // recipient goes out with them; the body check below covers it).
            var sinceMail: [String] = []
            for exchange in server.exchanges where !pipelined {
                switch Self.verb(exchange.line) {
                case "MAIL": sinceMail = [exchange.reply]
                case "RCPT": sinceMail.append(exchange.reply)
                case "DATA":
                    #expect(sinceMail.count == 3 || sinceMail.count == 2)
                    #expect(sinceMail.allSatisfy { $0.hasPrefix("2") })
                default: break
                }
            }
            // The n-th MAIL FROM only after the n-th envelope checkpoint (which the harness passes).
            var mails = 0
            for (index, text) in sent where Self.verb(text) == "MAIL" {
                mails += 1
                let checkpoints = server.allActions[..<index].filter {
                    if case .checkpoint(.envelope) = $0 { true } else { false }
                }
                #expect(checkpoints.count >= mails)
            }
            // A body only after MAIL and every RCPT got a 2xx and DATA a 354.
            for envelope in server.envelopesBeforeBodies {
                for exchange in envelope where ["MAIL", "RCPT"].contains(Self.verb(exchange.line)) {
                    #expect(exchange.reply.hasPrefix("2"))
                }
                #expect(envelope.contains { Self.verb($0.line) == "DATA" && $0.reply.hasPrefix("354") })
            }
            // Each message's outcome comes from its own end-of-data reply.
            let accepted = outcome.completedTransactions.map(\.index)
            #expect(accepted == accepted.sorted() && Set(accepted).count == accepted.count)
            for index in accepted { #expect(server.messageReplies[index]?.hasPrefix("2") == true) }
            for refusal in outcome.refusedTransactions {
                #expect(!accepted.contains(refusal.index))
                if refusal.error.step == .message {
                    #expect(server.messageReplies[refusal.index]?.hasPrefix("2") == false)
                }
            }
            let transcript = session.transcript.lines.joined(separator: "\n")
            #expect(!transcript.contains("canary"))
            #expect(!transcript.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
            if outcome.succeeded { #expect(outcome.completedTransactions.count == 3) }
            if outcome.succeeded { successes += 1 } else { failures += 1 }
        }
        // The random servers must exercise both ends, or the invariants above prove little.
        #expect(successes > 0 && failures > 0)
    }
}

@Suite("Dialogue state machine: SASL cancellation and early replies")
struct StateMachineSASLCancelTests {
    @Test(
        "a broken challenge is cancelled with * before QUIT",
        arguments: [
            "334 not*base64\r\n", "334 \(base64("r=someone-else,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))\r\n",
            "334 \(base64("r=nonce-from-clientXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1"))\r\n",
        ])
    func cancel(_ challenge: String) throws {
        let server = FakeServer()
        server.ehloPlain = "250-mx.test\r\n250 AUTH SCRAM-SHA-256\r\n"
        server.authScript = [challenge, "501 5.7.0 cancelled\r\n"]
        var session = try machine(credentials: password, transactions: [try transaction()], nonce: "nonce-from-client")
        let outcome = try #require(server.run(&session))
        #expect(outcome.error?.code == .authProtocolError)
        #expect(server.commandLines.suffix(2) == ["*", "QUIT"])
        #expect(!server.verbs.contains("MAIL"))
    }

    @Test func aReplyArrivingWithThe354IsReadAfterTheBody() throws {
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250 mx\r\n")))
        _ = session.handle(.checkpointPassed(.ehlo))
        _ = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        let actions = session.handle(.bytesReceived([UInt8]("354 go\r\n250 2.0.0 queued\r\n")))
        #expect(actions == [.cancelTimeout, .streamMessageBody(transaction: 0)])
        let after = session.handle(.messageBodySent(transaction: 0))
        #expect(after.contains { if case .transactionCompleted = $0 { true } else { false } })
    }
}

@Suite("Dialogue state machine: hang-ups")
struct StateMachineHangUpTests {
    func sessionStreamingBody() throws -> SMTPClientStateMachine {
        var session = try machine(security: .plaintext, transactions: [try transaction()])
        _ = session.handle(.connected)
        _ = session.handle(.bytesReceived([UInt8]("220 mx\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250 mx\r\n")))
        _ = session.handle(.checkpointPassed(.ehlo))
        _ = session.handle(.checkpointPassed(.envelope(transaction: 0)))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("250 ok\r\n")))
        _ = session.handle(.bytesReceived([UInt8]("354 go\r\n")))
        return session
    }

    @Test func aRefusalBeforeAHangUpDuringTheBodyIsReported() throws {
        var session = try sessionStreamingBody()
        _ = session.handle(.bytesReceived([UInt8]("554 5.7.1 rejected\r\n")))
        let actions = session.handle(.connectionClosed)
        guard case .finish(let outcome) = try #require(actions.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.error?.reply?.code == 554 && outcome.error?.step == .message)
    }

    @Test func aHangUpDuringTheBodyIsATemporaryFailure() throws {
        var session = try sessionStreamingBody()
        let actions = session.handle(.connectionClosed)
        guard case .finish(let outcome) = try #require(actions.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.error?.code == .connectionLost && outcome.error?.category.exitCode == 75)
        #expect(outcome.completedTransactions.isEmpty)
    }

    @Test func aDriverFailureWhileQuittingKeepsSuccess() throws {
        var session = try sessionStreamingBody()
        _ = session.handle(.messageBodySent(transaction: 0))
        let afterReply = session.handle(.bytesReceived([UInt8]("250 2.0.0 queued\r\n")))
        #expect(afterReply.contains(.send([UInt8]("QUIT\r\n"))))
        let actions = session.handle(
            .driverFailed(SMTPError(code: .connectionLost, category: .temporary, message: "write failed")))
        guard case .finish(let outcome) = try #require(actions.last) else {
            Issue.record("no finish")
            return
        }
        #expect(outcome.succeeded && outcome.completedTransactions.count == 1)
    }
}
