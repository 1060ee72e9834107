import Foundation
import Postern
import PosternPolicy
import PosternSMTP
import PosternTestSupport
import Testing

/// A server refusal at one step and the exit status it must give.
struct RefusalCase: Sendable, CustomTestStringConvertible {
    let step: PosternTestSupport.SMTPStep
    let reply: SMTPScriptedReply
    let exit: Postern.ExitStatus
    var testDescription: String { "\(step.rawValue) → \(reply) → \(exit.rawValue)" }
}

@Suite("Server refusals, lost connections and timeouts")
struct SubmissionFailureTests {
    static let refusals: [RefusalCase] = [
        RefusalCase(step: .mail, reply: .reply("451 4.3.0 Try again later"), exit: .tempFail),
        RefusalCase(step: .mail, reply: .reply("553 5.7.1 Sender rejected"), exit: .unavailable),
        RefusalCase(step: .rcpt, reply: .reply("450 4.2.0 Mailbox busy"), exit: .tempFail),
        RefusalCase(step: .data, reply: .reply("554 5.5.1 No valid recipients"), exit: .unavailable),
        RefusalCase(step: .endOfData, reply: .reply("452 4.3.1 Insufficient system storage"), exit: .tempFail),
        RefusalCase(step: .endOfData, reply: .reply("554 5.7.1 Message rejected as spam"), exit: .unavailable),
        RefusalCase(step: .auth, reply: .reply("535 5.7.8 Authentication credentials invalid"), exit: .unavailable),
        RefusalCase(step: .greeting, reply: .reply("554 5.3.2 No service"), exit: .unavailable),
        RefusalCase(step: .mail, reply: .disconnect, exit: .tempFail),
    ]

    @Test("4xx is TEMPFAIL, 5xx is UNAVAILABLE, a hang-up is TEMPFAIL", arguments: refusals)
    func refusal(_ testCase: RefusalCase) async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.replies[testCase.step] = testCase.reply
            try await withScriptedSMTPServer(script) { server in
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(nil), security: nil)
                #expect(report.exitCode == testCase.exit, "\(report)")
                #expect(report.violations.isEmpty)
                #expect(report.decision == .error)
                #expect(report.error != nil)
                #expect(report.smtp?.accepted == [])
                #expect(!server.recording.plaintextBytes.contains(subsequence: Array(Harness.password.utf8)))
            }
        }
    }

    @Test("one recipient rejected: RSET and QUIT, no DATA, the rejected one reported")
    func recipientRejected() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.rejectedRecipients = ["mallory@example.org"]
            try await withScriptedSMTPServer(script) { server in
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: nil,
                    messages: [Harness.message(to: ["bob@example.org", "mallory@example.org"])])
                let recording = server.recording
                #expect(report.exitCode == .unavailable, "\(report)")
                #expect(report.smtp?.rejected == ["mallory@example.org"])
                #expect(report.smtp?.accepted == [])
                #expect(!recording.verbs.contains("DATA"))
                #expect(Array(recording.verbs.suffix(2)) == ["RSET", "QUIT"])
                #expect(!recording.sawMessageCanary)
            }
        }
    }

    @Test("the only recipient rejected by a server that still answers 354 to the pipelined DATA: no message data")
    func singleRecipientRejected() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.rejectedRecipients = ["mallory@example.org"]
            try await withScriptedSMTPServer(script) { server in
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: nil,
                    messages: [Harness.message(to: ["mallory@example.org"])])
                let recording = server.recording
                #expect(report.exitCode == .unavailable, "\(report)")
                #expect(report.smtp?.rejected == ["mallory@example.org"])
                #expect(recording.messages.isEmpty)
                #expect(!recording.sawMessageCanary)
                #expect(recording.partialMessageBytes.isEmpty)
            }
        }
    }

    @Test("the connection dropped in the middle of DATA is TEMPFAIL")
    func dropMidData() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.dropConnectionDuringData = true
            try await withScriptedSMTPServer(script) { server in
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(nil), security: nil)
                #expect(report.exitCode == .tempFail, "\(report)")
                #expect(report.smtp?.accepted == [])
                #expect(server.recording.messages.isEmpty)
            }
        }
    }

    @Test("a server that stops answering times out (tiny time scale): TEMPFAIL")
    func stall() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.replies[.mail] = .stall
            try await withScriptedSMTPServer(script) { server in
                // MAIL's 5 minutes scaled to 150 ms; the earlier steps answer at once.
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: nil, timeoutScale: 0.0005)
                #expect(report.exitCode == .tempFail, "\(report)")
                #expect(report.error?.contains("timeout") == true)
            }
        }
    }

    @Test("nothing listening: UNAVAILABLE")
    func refusedConnection() async throws {
        try await withTestPKI { pki in
            // Take a free port, then close the server so nothing listens there.
            let server = try await ScriptedSMTPServer.start(Harness.implicitScript(pki.valid))
            let port = server.port
            try await server.shutdown()
            let request = SubmissionRequest(
                connection: ConnectionSettings(
                    server: ServerEndpoint(host: "localhost", port: port),
                    connect: ServerEndpoint(host: "127.0.0.1", port: port), caFile: pki.caFilePath,
                    usesSystemTrustStore: false),
                credentials: Harness.credentials, policy: try Harness.policy(nil), messages: [Harness.message()])
            let report = await MailSubmitter().send(request, logger: Harness.logger)
            #expect(report.exitCode == .unavailable, "\(report)")
            #expect(report.transport == nil)
        }
    }
}
