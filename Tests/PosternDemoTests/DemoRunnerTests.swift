import Foundation
import Logging
import NIOCore
import NIOPosix
import Postern
import PosternPolicy
import PosternSMTP
import Testing

@testable import PosternDemo

private var logger: Logger {
    var logger = Logger(label: "postern.demo.tests")
    logger.logLevel = .error
    return logger
}

@Suite("postern demo", .serialized)
struct DemoRunnerTests {
    @Test("the four sends behave as the policies demand, and the refused ones leak nothing")
    func fourSends() async throws {
        let keys = try await GeneratedKeys()
        // A chosen password (what `postern demo --password-env` passes): step a must log in with it.
        let configuration = DemoConfiguration(
            keysDirectory: keys.keysDirectory,
            policiesDirectory: repositoryRoot.appendingPathComponent("policies").path,
            account: DemoAccount(password: Array("chosen-\(UUID().uuidString)".utf8)))
        let result = try await DemoRunner.run(configuration, logger: logger)
        #expect(result.steps.map(\.id) == ["a", "b", "c", "d"])
        #expect(result.error == nil)
        for step in result.steps {
            #expect(step.discrepancy == nil, "step \(step.id): \(step.discrepancy ?? "")")
        }
        #expect(result.allAsExpected)

        // a: allowed, authenticated over verified TLS, and the message arrived still encrypted.
        let a = try #require(result.steps.first { $0.id == "a" })
        #expect(a.report.decision == .allow)
        #expect(a.report.exitCode == .ok)
        #expect(a.report.transport?.security == "implicit-tls")
        #expect(a.report.transport?.tlsVersion != nil)
        #expect(a.report.transport?.certificate?.verified == true)
        #expect(
            a.report.policy?.layers.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "baseline.yaml", "team-confidential.yaml",
            ])
        #expect(a.server.authSuccesses == 1)
        let arrived = try #require(a.server.messages.first)
        #expect(arrived.recipients == ["bob@example.test"])
        let text = String(decoding: arrived.data, as: UTF8.self)
        #expect(text.lowercased().contains("application/pkcs7-mime"))
        #expect(text.contains("Subject: [...]"))
        #expect(!text.contains(DemoRunner.secretPhrase))
        #expect(!text.contains("Quarterly figures"))
        #expect(a.arrivedExcerpt.contains("Subject: [...]"))

        // b: STARTTLS without a pin: refused with the policy line, no credential and no envelope at the server.
        let b = try #require(result.steps.first { $0.id == "b" })
        #expect(b.report.exitCode == .noPerm)
        let pin = try #require(b.report.violations.first { $0.code == "pin-required" })
        #expect(pin.source?.contains("pinned-starttls.yaml:") == true)
        #expect(b.server.authAttempts == 0)
        #expect(b.server.messages.isEmpty)
        #expect(!b.server.commandVerbs.contains("MAIL"))

        // c: no key for carol: refused before connecting at all.
        let c = try #require(result.steps.first { $0.id == "c" })
        #expect(c.report.exitCode == .noPerm)
        let missing = try #require(c.report.violations.first { $0.code == "recipient-key-missing" })
        #expect(missing.message.contains("carol@partner.example"))
        #expect(c.server.connections == 0)
        #expect(c.server.commandVerbs.isEmpty)

        // d: a password on a plaintext connection: refused, the server never saw AUTH.
        let d = try #require(result.steps.first { $0.id == "d" })
        #expect(d.report.exitCode == .noPerm)
        #expect(
            d.report.violations.contains { ["auth-over-plaintext", "plaintext-not-allowed"].contains($0.code) })
        #expect(d.report.violations.allSatisfy { $0.source?.contains("/policies/legacy-relay.yaml:") == true })
        #expect(d.server.authAttempts == 0)
        #expect(d.server.messages.isEmpty)
        #expect(d.report.transport?.tlsVersion == nil)
    }

    @Test("the JSON and the text name every step and never carry the password")
    func outputsCarryNoSecret() async throws {
        let keys = try await GeneratedKeys()
        let server = try await DemoMailServer.start(
            certificateChainFile: keys.keysDirectory + "/server.pem", privateKeyFile: keys.keysDirectory + "/server.key"
        )
        let password = String(decoding: server.account.password, as: UTF8.self)
        await server.shutdown()
        #expect(password.count >= 24)
        #expect(!"\(server.account)".contains(password))

        let configuration = DemoConfiguration(
            keysDirectory: keys.keysDirectory, policiesDirectory: repositoryRoot.appendingPathComponent("policies").path
        )
        let result = try await DemoRunner.run(configuration, logger: logger)
        let json = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["postern-demo"] as? Int == 1)
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.count == 4)
        #expect(steps.allSatisfy { $0["report"] is [String: Any] })
        let text = DemoTextRenderer.render(result)
        for id in ["a", "b", "c", "d"] { #expect(text.contains("== \(id). ")) }
        #expect(text.contains("pin-required"))
        #expect(text.contains("recipient-key-missing"))
    }

    @Test("a wrong password is refused by the demo server, and a missing key set is a clear error")
    func wrongPasswordAndMissingKeys() async throws {
        let keys = try await GeneratedKeys()
        let server = try await DemoMailServer.start(
            certificateChainFile: keys.keysDirectory + "/server.pem", privateKeyFile: keys.keysDirectory + "/server.key"
        )
        let request = SubmissionRequest(
            connection: ConnectionSettings(
                server: ServerEndpoint(host: "localhost", port: server.implicitTLSPort),
                connect: ServerEndpoint(host: "127.0.0.1", port: server.implicitTLSPort), security: .implicitTLS,
                timeout: 15, caFile: keys.keysDirectory + "/ca.pem"),
            credentials: SMTPCredentials(username: server.account.user, proof: .password(Secret("not-the-password"))),
            policy: CompiledPolicy(layers: []),
            messages: [
                SubmissionMessage(
                    content: .bytes(
                        Array("From: a@example.test\r\nTo: b@example.test\r\nSubject: x\r\n\r\nx\r\n".utf8)),
                    sender: "alice@example.test", recipients: ["bob@example.test"])
            ])
        let report = await MailSubmitter().send(request, logger: logger)
        let seen = server.observation
        await server.shutdown()
        #expect(report.exitCode != .ok)
        #expect(seen.authAttempts == 1)
        #expect(seen.authSuccesses == 0)
        #expect(seen.messages.isEmpty)

        let empty = DemoConfiguration(keysDirectory: keys.root.appendingPathComponent("nowhere").path)
        let error = await #expect(throws: DemoError.self) { try await DemoRunner.run(empty, logger: logger) }
        #expect(error?.code == .missingInput)
    }
}

@Suite("demo server", .serialized)
struct DemoMailServerTests {
    @Test("data is un-stuffed exactly, and AUTH comes only after STARTTLS and the second EHLO")
    func unstuffingAndAuthOnlyUnderTLS() async throws {
        let keys = try await GeneratedKeys()
        let server = try await DemoMailServer.start(
            certificateChainFile: keys.keysDirectory + "/server.pem", privateKeyFile: keys.keysDirectory + "/server.key"
        )
        let message =
            "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: dots\r\n\r\n"
            + ".leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n"
        let request = SubmissionRequest(
            connection: ConnectionSettings(
                server: ServerEndpoint(host: "localhost", port: server.startTLSPort),
                connect: ServerEndpoint(host: "127.0.0.1", port: server.startTLSPort), security: .starttls,
                timeout: 15, caFile: keys.keysDirectory + "/ca.pem"),
            credentials: server.account.credentials, policy: CompiledPolicy(layers: []),
            messages: [
                SubmissionMessage(
                    content: .bytes(Array(message.utf8)), sender: "alice@example.test",
                    recipients: ["bob@example.test"])
            ])
        let report = await MailSubmitter().send(request, logger: logger)
        let seen = server.observation
        await server.shutdown()
        #expect(report.exitCode == .ok, "\(report.violations.map(\.code)) \(report.error ?? "")")
        #expect(report.transport?.security == "starttls")
        #expect(seen.commandVerbs.prefix(4) == ["EHLO", "STARTTLS", "EHLO", "AUTH"])
        #expect(seen.authAttempts == 1)
        #expect(seen.authSuccesses == 1)
        let arrived = try #require(seen.messages.first)
        #expect(arrived.data == Array(message.utf8))
    }
}

/// Raw plaintext bytes to the STARTTLS port; returns everything the server answered until it closed.
private func rawExchange(port: Int, sending bytes: [UInt8]) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(bytes: bytes))
        var received = ""
        for try await buffer in inbound { received += String(buffer: buffer) }
        return received
    }
}

@Suite("demo server, hostile input", .serialized)
struct DemoMailServerHostileInputTests {
    @Test("a line without end is cut off at the limit and the connection closed")
    func endlessLine() async throws {
        let keys = try await GeneratedKeys()
        let server = try await DemoMailServer.start(
            certificateChainFile: keys.keysDirectory + "/server.pem", privateKeyFile: keys.keysDirectory + "/server.key"
        )
        let reply = try await rawExchange(
            port: server.startTLSPort, sending: [UInt8](repeating: 0x41, count: DemoSMTPSession.maximumLineLength + 10))
        await server.shutdown()
        #expect(reply.hasPrefix("220 "))
        #expect(reply.contains("500 5.5.6"))
    }

    @Test("AUTH in plaintext is neither offered nor accepted, and MAIL needs AUTH")
    func noAuthBeforeTLS() async throws {
        let keys = try await GeneratedKeys()
        let server = try await DemoMailServer.start(
            certificateChainFile: keys.keysDirectory + "/server.pem", privateKeyFile: keys.keysDirectory + "/server.key"
        )
        let reply = try await rawExchange(
            port: server.startTLSPort,
            sending: Array("EHLO t\r\nAUTH PLAIN AGZvbwBiYXI=\r\nMAIL FROM:<a@example.test>\r\nQUIT\r\n".utf8))
        let seen = server.observation
        await server.shutdown()
        #expect(reply.contains("250-STARTTLS"))
        #expect(!reply.contains("AUTH PLAIN"))
        #expect(reply.contains("538 5.7.11"))
        #expect(reply.contains("530 5.7.0"))
        #expect(reply.contains("221 "))
        #expect(seen.authSuccesses == 0)
        #expect(seen.messages.isEmpty)
    }
}
