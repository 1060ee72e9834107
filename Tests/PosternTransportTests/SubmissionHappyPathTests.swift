import Foundation
import Postern
import PosternPolicy
import PosternSMTP
import PosternTLS
import PosternTestSupport
import Testing

@Suite("Submissions that succeed, over real TLS")
struct SubmissionHappyPathTests {
    @Test("implicit TLS + AUTH PLAIN: the message arrives byte-identical and correctly dot-stuffed")
    func implicitTLS() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(nil), security: nil)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.decision == .allow)
                #expect(report.violations.isEmpty)
                #expect(recording.messages == [Harness.stuffedMessageBytes])
                #expect(recording.plaintextBytes.isEmpty, "nothing may travel outside TLS")
                #expect(recording.verbs == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"])
                #expect(recording.serverNameIndications == ["localhost"])
                let transport = try #require(report.transport)
                #expect(transport.security == "implicit-tls")
                #expect(transport.server == "localhost:\(server.port)")
                #expect(transport.tlsVersion == "1.3")
                #expect(transport.cipher?.contains("TLS_AES_128_GCM_SHA256") == true)
                #expect(transport.auth == "PLAIN")
                #expect(transport.extensions?.contains("PIPELINING") == true)
                #expect(transport.certificate?.verified == true)
                #expect(transport.certificate?.spkiSHA256 == (try pki.valid.pin).description)
                #expect(report.smtp?.accepted == ["bob@example.org"])
                #expect(report.smtp?.rejected == [])
                #expect(report.smtp?.reply?.hasPrefix("250") == true)
            }
        }
    }

    @Test("STARTTLS with a matching pin: EHLO and STARTTLS in the clear, everything else inside TLS")
    func startTLSWithPin() async throws {
        try await withTestPKI { pki in
            let policy = try Harness.policy(
                """
                postern-policy: 1
                name: pinned
                transport:
                  security: [starttls]
                  pins: ["\(try pki.valid.pin)"]
                  starttls:
                    require-pin: true
                """)
            try await withScriptedSMTPServer(Harness.startTLSScript(pki.valid)) { server in
                let report = await Harness.send(server, pki: pki, policy: policy, security: .starttls)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(recording.commandLines.prefix(2) == ["EHLO localhost", "STARTTLS"])
                #expect(recording.verbs == ["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"])
                #expect(!String(decoding: recording.plaintextBytes, as: UTF8.self).contains("AUTH"))
                #expect(recording.messages == [Harness.stuffedMessageBytes])
                #expect(report.transport?.security == "starttls")
            }
        }
    }

    @Test("a batch and a Bcc recipient go over one connection, the Bcc in a transaction of its own")
    func batchAndBcc() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let messages = [
                    Harness.message(to: ["bob@example.org", "carol@example.org"], bcc: ["dave@example.org"]),
                    Harness.message(to: ["erin@example.org"]),
                ]
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: .implicitTLS, messages: messages)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(recording.connections == 1)
                #expect(recording.messages.count == 3)
                let rcpts = recording.commandLines.filter { $0.contains("RCPT TO") }
                #expect(
                    rcpts == [
                        "[tls] RCPT TO:<bob@example.org>", "[tls] RCPT TO:<carol@example.org>",
                        "[tls] RCPT TO:<dave@example.org>", "[tls] RCPT TO:<erin@example.org>",
                    ])
                #expect(recording.verbs.filter { $0 == "MAIL" }.count == 3)
                #expect(
                    report.smtp?.accepted == [
                        "bob@example.org", "carol@example.org", "dave@example.org", "erin@example.org",
                    ])
            }
        }
    }

    @Test("a 3 MB body with many dot lines streams intact")
    func largeBody() async throws {
        var body = Array("Subject: big\r\n\r\n".utf8)
        let line = Array(".a line that starts with a dot and is long enough to matter......................\r\n".utf8)
        while body.count < 3_000_000 { body += line }
        var expected = Array("Subject: big\r\n\r\n".utf8)
        let stuffedLine = [UInt8(ascii: ".")] + line
        for _ in 0..<((body.count - expected.count) / line.count) { expected += stuffedLine }
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: .implicitTLS,
                    messages: [Harness.message(body)])
                #expect(report.exitCode == .ok, "\(report)")
                #expect(server.recording.messages.first == expected)
            }
        }
    }

    @Test("a message file is read in chunks and sent; a missing file is NOINPUT before connecting")
    func messageFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postern-tt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("message.eml").path
        try Data(Harness.messageBytes).write(to: URL(fileURLWithPath: path))
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let file = SubmissionMessage(
                    content: .file(path), sender: "alice@example.org", recipients: ["bob@example.org"])
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: nil, messages: [file])
                #expect(report.exitCode == .ok, "\(report)")
                #expect(server.recording.messages == [Harness.stuffedMessageBytes])

                let missing = SubmissionMessage(
                    content: .file(path + ".missing"), sender: "a@example.org", recipients: ["b@example.org"])
                let denied = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: nil, messages: [missing])
                #expect(denied.exitCode == .noInput)
                #expect(server.recording.connections == 1)
            }
        }
    }

    @Test("check: TLS, EHLO and QUIT; no AUTH, no MAIL; every step listed")
    func check() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let request = CheckRequest(
                    connection: Harness.connection(server, pki: pki, security: nil), policy: try Harness.policy(nil))
                let result = await MailSubmitter().check(request, logger: Harness.logger)
                #expect(result.report.exitCode == .ok, "\(result.report)")
                #expect(result.report.smtp == nil)
                #expect(result.report.transport?.tlsVersion == "1.3")
                #expect(server.recording.verbs == ["EHLO", "QUIT"])
                #expect(result.steps.map(\.stage) == [.connect, .tls, .ehlo])
                #expect(result.steps.allSatisfy { $0.passed })
            }
        }
    }

    @Test("check --auth: AUTH and QUIT, never MAIL")
    func checkWithAuth() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let request = CheckRequest(
                    connection: Harness.connection(server, pki: pki, security: nil), credentials: Harness.credentials,
                    policy: try Harness.policy(nil))
                let result = await MailSubmitter().check(request, logger: Harness.logger)
                #expect(result.report.exitCode == .ok, "\(result.report)")
                #expect(result.report.transport?.auth == "PLAIN")
                #expect(server.recording.verbs == ["EHLO", "AUTH", "QUIT"])
                #expect(result.steps.map(\.stage) == [.connect, .tls, .ehlo, .auth])
                #expect(result.transcript.contains("C: AUTH PLAIN <redacted>"))
                #expect(!result.transcript.joined().contains(Harness.password))
            }
        }
    }
}
