import Foundation
import NIOCore
import NIOSSL
import PosternTLS
import PosternTestSupport
import Testing

/// The scripted server itself, so the SMTP client's author can trust what it does. Assertions on the recording are
/// made after shutdown, when every byte has been accounted for.
@Suite("Scripted SMTP server")
struct ScriptedSMTPServerTests {
    static let canary = "canary-pw-7f3a9c"

    @Test("an honest STARTTLS server offers STARTTLS and no AUTH before TLS; stripping removes STARTTLS")
    func stripSTARTTLS() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            var script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            let honest = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    #expect(try await client.reply()?.hasPrefix("220 mail.test") == true)
                    try await client.send("EHLO client.test\r\n")
                    return try await client.reply() ?? ""
                }
            }
            #expect(honest.contains("250-STARTTLS"))
            #expect(!honest.contains("AUTH"))
            #expect(honest.hasPrefix("250-mail.test\r\n"))

            script.stripSTARTTLS = true
            let stripped = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("EHLO client.test\r\n")
                    return try await client.reply() ?? ""
                }
            }
            #expect(!stripped.contains("STARTTLS"))
            #expect(stripped.contains("250 ENHANCEDSTATUSCODES"))
        }
    }

    @Test(
        "injected bytes arrive in the same read as the STARTTLS 220", arguments: ["250 AUTH PLAIN\r\n", "235 ok\r\n"])
    func injectionShape(injection: String) async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            var script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            script.injectedAfterStartTLSReply = Array(injection.utf8)
            let chunk = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("EHLO client.test\r\n")
                    _ = try await client.reply()
                    try await client.send("STARTTLS\r\n")
                    return try await client.nextChunk() ?? []
                }
            }
            #expect(String(decoding: chunk, as: UTF8.self) == "220 2.0.0 Ready to start TLS\r\n" + injection)
        }
    }

    @Test(
        "a refused STARTTLS keeps the dialogue in plaintext",
        arguments: ["454 4.7.0 TLS not available", "502 5.5.1 no", "501 5.5.4 syntax"])
    func refusedSTARTTLS(reply: String) async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            var script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            script.replies[.startTLS] = .reply(reply)
            let server = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("STARTTLS\r\n")
                    #expect(try await client.reply() == reply)
                    try await client.send("NOOP\r\n")
                    #expect(try await client.reply() == "250 2.0.0 Ok")
                }
                return server
            }
            #expect(server.recording.tlsHandshakesCompleted == 0)
            #expect(server.recording.commandLines == ["STARTTLS", "NOOP"])
        }
    }

    @Test("commands pipelined behind STARTTLS are recorded as such and not executed")
    func pipelinedAfterSTARTTLS() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            let auth = "AUTH PLAIN " + Data("\0user\0\(Self.canary)".utf8).base64EncodedString() + "\r\n"
            let server = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("STARTTLS\r\n" + auth)
                    #expect(try await client.reply() == "220 2.0.0 Ready to start TLS")
                }
                return server
            }
            let recording = server.recording
            #expect(recording.bytesAfterSTARTTLSCommand == Array(auth.utf8))
            #expect(recording.commandLines == ["STARTTLS"])
            #expect(recording.receivedBytesBeforeTLS)
            // The detector finds a base64-wrapped credential, so its "false" elsewhere means something.
            #expect(recording.contains(secret: Self.canary))
            #expect(!recording.contains(secret: "never-sent-secret"))
        }
    }

    @Test("a full transaction: one recipient rejected with 550, message recorded as received")
    func transaction() async throws {
        var script = SMTPServerScript(security: .plaintext)
        script.capabilitiesBeforeTLS = ["AUTH PLAIN LOGIN", "PIPELINING"]
        script.rejectedRecipients = ["Bad@Example.org"]
        let body = "Subject: hi\r\n\r\nline one\r\n..leading dot\r\n"
        let server = try await withScriptedSMTPServer(script) { server in
            try await SMTPTestClient.withConnection(port: server.port) { client in
                _ = try await client.reply()
                try await client.send("EHLO client.test\r\n")
                #expect(try await client.reply()?.contains("250-AUTH PLAIN LOGIN") == true)
                try await client.send("AUTH LOGIN\r\n")
                #expect(try await client.reply() == "334 VXNlcm5hbWU6")
                try await client.send(Data("user".utf8).base64EncodedString() + "\r\n")
                #expect(try await client.reply() == "334 UGFzc3dvcmQ6")
                try await client.send(Data(Self.canary.utf8).base64EncodedString() + "\r\n")
                #expect(try await client.reply()?.hasPrefix("235") == true)
                try await client.send("MAIL FROM:<a@example.org>\r\n")
                #expect(try await client.reply() == "250 2.1.0 Ok")
                try await client.send("RCPT TO:<good@example.org>\r\n")
                #expect(try await client.reply() == "250 2.1.5 Ok")
                try await client.send("RCPT TO:<bad@example.org>\r\n")
                #expect(try await client.reply()?.hasPrefix("550 5.1.1") == true)
                try await client.send("DATA\r\n")
                #expect(try await client.reply()?.hasPrefix("354") == true)
                try await client.send(body + ".\r\n")
                #expect(try await client.reply() == "250 2.0.0 Ok: queued as SCRIPTED")
                try await client.send("QUIT\r\n")
                #expect(try await client.reply() == "221 2.0.0 Bye")
                #expect(await client.readsEOF())
            }
            return server
        }
        let recording = server.recording
        #expect(recording.messages == [Array(body.utf8)])
        #expect(recording.contains(secret: Self.canary))
        #expect(recording.tlsBytes.isEmpty)
        #expect(recording.connections == 1)
    }

    @Test("dropping the connection mid-DATA closes without a reply and keeps the partial data")
    func dropMidData() async throws {
        var script = SMTPServerScript(security: .plaintext)
        script.dropConnectionDuringData = true
        let server = try await withScriptedSMTPServer(script) { server in
            try await SMTPTestClient.withConnection(port: server.port) { client in
                _ = try await client.reply()
                try await client.send("DATA\r\n")
                #expect(try await client.reply()?.hasPrefix("354") == true)
                try await client.send("Subject: partial\r\n")
                #expect(await client.readsEOF())
            }
            return server
        }
        #expect(server.recording.messages.isEmpty)
        #expect(server.recording.partialMessageBytes == Array("Subject: partial\r\n".utf8))
    }

    @Test("odd and failing replies are sent as scripted; disconnect closes at once")
    func scriptedReplies() async throws {
        var script = SMTPServerScript(security: .plaintext)
        script.replies[.greeting] = .reply("220-first line\r\n220 second line")
        script.replies[.mail] = .reply("451 4.3.0 try later")
        script.replies[.rcpt] = .raw(Array("250-oops\r\n".utf8))
        script.replies[.rset] = .disconnect
        try await withScriptedSMTPServer(script) { server in
            try await SMTPTestClient.withConnection(port: server.port) { client in
                #expect(try await client.reply() == "220-first line\r\n220 second line")
                try await client.send("MAIL FROM:<a@example.org>\r\n")
                #expect(try await client.reply() == "451 4.3.0 try later")
                try await client.send("RCPT TO:<b@example.org>\r\nNOOP\r\n")
                // The unterminated multi-line reply merges with the next one, as a real broken server's would.
                #expect(try await client.reply() == "250-oops\r\n250 2.0.0 Ok")
                try await client.send("RSET\r\n")
                #expect(await client.readsEOF())
            }
        }
    }

    @Test("over TLS, QUIT ends with close_notify while a mid-DATA drop ends without it")
    func tlsDropIsUnclean() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let policy = try TLSClientPolicy(
                minimumTLS: "1.2", certificateMode: .verify,
                trustAnchors: try TrustAnchors.load(extraCAFile: pki.caFilePath))
            let config = try PosternTLSClientConfiguration(policy: policy)
            var script = SMTPServerScript(security: .implicitTLS, identity: pki.valid)
            try await withScriptedSMTPServer(script) { server in
                let tls = (config: config, serverName: "mail.test", recorder: TLSVerificationRecorder())
                try await SMTPTestClient.withConnection(port: server.port, tls: tls) { client in
                    #expect(try await client.reply()?.hasPrefix("220 ") == true)
                    try await client.send("QUIT\r\n")
                    #expect(try await client.reply() == "221 2.0.0 Bye")
                    let end = await client.endOfStream()
                    #expect(end == nil, "clean close expected, got \(String(describing: end))")
                }
            }
            script.dropConnectionDuringData = true
            let server = try await withScriptedSMTPServer(script) { server in
                let tls = (config: config, serverName: "mail.test", recorder: TLSVerificationRecorder())
                try await SMTPTestClient.withConnection(port: server.port, tls: tls) { client in
                    _ = try await client.reply()
                    try await client.send("DATA\r\n")
                    #expect(try await client.reply()?.hasPrefix("354") == true)
                    try await client.send("Subject: cut\r\n")
                    let end = await client.endOfStream()
                    #expect(end as? NIOSSLError == .uncleanShutdown, "got \(String(describing: end))")
                }
                return server
            }
            #expect(server.recording.partialMessageBytes == Array("Subject: cut\r\n".utf8))
            #expect(server.recording.messages.isEmpty)
        }
    }

    @Test("a stall answers nothing more, though everything sent is still recorded")
    func stall() async throws {
        var script = SMTPServerScript(security: .plaintext)
        script.replies[.ehlo] = .stall
        let server = try await withScriptedSMTPServer(script) { server in
            try await SMTPTestClient.withConnection(port: server.port) { client in
                #expect(try await client.reply()?.hasPrefix("220 ") == true)
                try await client.send("EHLO client.test\r\nNOOP\r\n")
                // Half-close: the server reads both lines, then EOF, and closes. No time is involved: TCP
                // ordering guarantees any answer would arrive before that close.
                try await client.closeOutput()
                #expect(try await client.bytesUntilEOF() == [])
            }
            return server
        }
        #expect(server.recording.commandLines == ["EHLO client.test"])
        #expect(server.recording.plaintextBytes == Array("EHLO client.test\r\nNOOP\r\n".utf8))
    }

    @Test("the server records SNI: the DNS name, and none for an IP literal")
    func recordsSNI() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let policy = try TLSClientPolicy(
                minimumTLS: "1.2", certificateMode: .verify,
                trustAnchors: try TrustAnchors.load(extraCAFile: pki.caFilePath))
            let config = try PosternTLSClientConfiguration(policy: policy)
            let server = try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: pki.valid))
            {
                server in
                for name in ["mail.test", "127.0.0.1"] {
                    let result = try await TLSProbe.connect(
                        host: server.host, port: server.port, serverName: name, config: config)
                    #expect(result.findings == [], "\(name)")
                }
                return server
            }
            #expect(server.recording.serverNameIndications == ["mail.test", nil])
            #expect(server.recording.connections == 2)
        }
    }

    @Test("STARTTLS upgrades to real TLS with the Postern client handler; AUTH is offered only inside")
    func startTLSUpgrade() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let policy = try TLSClientPolicy(
                minimumTLS: "1.2", certificateMode: .verify,
                trustAnchors: try TrustAnchors.load(extraCAFile: pki.caFilePath))
            let config = try PosternTLSClientConfiguration(policy: policy)
            let recorder = TLSVerificationRecorder()
            let script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            let auth = "AUTH PLAIN " + Data("\0user\0\(Self.canary)".utf8).base64EncodedString() + "\r\n"
            let server = try await withScriptedSMTPServer(script) { server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("EHLO client.test\r\n")
                    _ = try await client.reply()
                    try await client.send("STARTTLS\r\n")
                    #expect(try await client.reply() == "220 2.0.0 Ready to start TLS")
                    try await client.startTLS(config: config, serverName: "mail.test", recorder: recorder)
                    try await client.send("EHLO client.test\r\n")
                    #expect(try await client.reply()?.contains("250-AUTH PLAIN LOGIN") == true)
                    try await client.send(auth)
                    #expect(try await client.reply()?.hasPrefix("235") == true)
                    try await client.send("QUIT\r\n")
                    #expect(try await client.reply() == "221 2.0.0 Bye")
                }
                return server
            }
            #expect(recorder.assessment?.findings == [])
            #expect(recorder.assessment?.facts?.verified == true)
            let recording = server.recording
            #expect(recording.tlsHandshakesCompleted == 1)
            #expect(String(decoding: recording.plaintextBytes, as: UTF8.self) == "EHLO client.test\r\nSTARTTLS\r\n")
            #expect(recording.commandLines.contains("[tls] EHLO client.test"))
            #expect(recording.contains(secret: Self.canary))
            #expect(!recording.plaintextBytes.containsSequence(Array(Self.canary.utf8)))
        }
    }

    @Test("STARTTLS to a server with an expired certificate: the handshake fails and the code is kept")
    func startTLSBadCertificate() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let policy = try TLSClientPolicy(
                minimumTLS: "1.2", certificateMode: .verify,
                trustAnchors: try TrustAnchors.load(extraCAFile: pki.caFilePath))
            let config = try PosternTLSClientConfiguration(policy: policy)
            let recorder = TLSVerificationRecorder()
            let server = try await withScriptedSMTPServer(SMTPServerScript(security: .startTLS, identity: pki.expired))
            {
                server in
                try await SMTPTestClient.withConnection(port: server.port) { client in
                    _ = try await client.reply()
                    try await client.send("STARTTLS\r\n")
                    _ = try await client.reply()
                    try await client.startTLS(config: config, serverName: "mail.test", recorder: recorder)
                    // The failed handshake closes the channel: the EHLO write or its reply fails, whichever
                    // comes after the verification has run.
                    await #expect(throws: (any Error).self) {
                        try await client.send("EHLO client.test\r\n")
                        _ = try await client.reply()
                    }
                }
                return server
            }
            #expect(recorder.assessment?.codes == [.certificateExpired])
            #expect(server.recording.tlsBytes.isEmpty)
            #expect(server.recording.tlsHandshakesCompleted == 0)
        }
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
