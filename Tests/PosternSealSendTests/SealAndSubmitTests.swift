import Foundation
import Postern
import PosternTestSupport
import Testing

@Suite("send seals first: required or requested protection over real TLS")
struct SealAndSubmitTests {
    @Test("encryption required + recipient certificate: the server receives S/MIME that only the recipient opens")
    func requiredEncryptionIsApplied() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let report = try await fixture.send(
                    SealSendFixture.letter(to: "bob@example.test"), to: ["bob@example.test"],
                    policy: SealSendFixture.encryptExternal, server: server)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.protection?.encrypted == "smime")
                #expect(report.smtp?.accepted == ["bob@example.test"])
                #expect(!recording.sawCanary, "the plaintext body must never reach the server")
                let received = unstuffed(try #require(recording.messages.first))
                let headers = headerSection(received)
                #expect(headers.contains("application/pkcs7-mime"))
                #expect(headers.contains("Subject: [...]"))
                #expect(!headers.contains("quarterly"))
                let opened = try await #require(try fixture.decrypt(received, as: "bob"))
                #expect(opened.contains(SealSendFixture.canary))
                await #expect(try fixture.decrypt(received, as: "carol") == nil)
            }
        }
    }

    @Test("encryption required, recipient without a key: 77 recipient-key-missing and no connection at all")
    func missingKeyOpensNoConnection() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let report = try await fixture.send(
                    SealSendFixture.letter(to: "dave@example.test"), to: ["dave@example.test"],
                    policy: SealSendFixture.encryptExternal, server: server)
                let recording = server.recording
                #expect(report.exitCode == .noPerm)
                #expect(report.violations.map(\.code).contains("recipient-key-missing"), "\(report)")
                #expect(report.verb == "send")
                #expect(recording.connections == 0)
                #expect(recording.allBytes.isEmpty)
                #expect(recording.messages.isEmpty)
                #expect(!recording.contains(secret: SealSendFixture.password))
                #expect(!recording.sawCanary)
            }
        }
    }

    @Test("a Bcc recipient gets its own transaction with a copy only its key opens")
    func bccCopyIsSeparate() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let report = try await fixture.send(
                    SealSendFixture.letter(to: "bob@example.test", bcc: "carol@example.test"), to: ["bob@example.test"],
                    bcc: ["carol@example.test"], policy: SealSendFixture.encryptExternal, server: server)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(recording.messages.count == 2)
                #expect(recording.rcptLines.count == 2)
                #expect(recording.rcptLines.first?.contains("bob@example.test") == true)
                #expect(recording.rcptLines.last?.contains("carol@example.test") == true)
                #expect(!recording.sawCanary)
                let main = unstuffed(try #require(recording.messages.first))
                let bcc = unstuffed(try #require(recording.messages.last))
                #expect(main != bcc)
                for copy in [main, bcc] {
                    #expect(!headerSection(copy).lowercased().contains("bcc:"))
                }
                await #expect(try fixture.decrypt(main, as: "bob") != nil)
                await #expect(
                    try fixture.decrypt(main, as: "carol") == nil, "the main copy must not reveal the Bcc recipient")
                let opened = try await #require(try fixture.decrypt(bcc, as: "carol"))
                #expect(opened.contains(SealSendFixture.canary))
                await #expect(try fixture.decrypt(bcc, as: "bob") == nil)
            }
        }
    }

    @Test("--sign openpgp: the server receives multipart/signed that gpg --verify accepts")
    func requestedOpenPGPSignature() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let report = try await fixture.send(
                    SealSendFixture.letter(to: "bob@example.org"), to: ["bob@example.org"], policy: nil, server: server,
                    sign: .openpgp)
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.protection?.signed == "openpgp")
                #expect(report.protection?.encrypted == nil)
                let received = unstuffed(try #require(server.recording.messages.first))
                #expect(headerSection(received).contains("multipart/signed"))
                let (content, signature) = try signedParts(received)
                let verified = try await fixture.keyring.gpg(
                    ["--status-fd", "2", "--verify", try fixture.write(signature), try fixture.write(content)])
                #expect(verified.status == 0, "\(verified.stderrText)")
                #expect(verified.stderrText.contains("[GNUPG:] GOODSIG"))
                let tampered = Array(
                    String(decoding: content, as: UTF8.self).replacingOccurrences(of: "usual", with: "other").utf8)
                let bad = try await fixture.keyring.gpg(
                    ["--status-fd", "2", "--verify", try fixture.write(signature), try fixture.write(tampered)])
                #expect(bad.status != 0)
            }
        }
    }

    @Test("nothing asked for and nothing required: the message goes as today, unprotected")
    func unprotectedPassesThrough() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let report = try await fixture.send(
                    SealSendFixture.letter(to: "bob@example.org"), to: ["bob@example.org"],
                    policy: SealSendFixture.encryptExternal, server: server)
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.protection == nil)
                #expect(server.recording.sawCanary)
            }
        }
    }

    /// The signed entity and the armored signature of a PGP/MIME multipart/signed message.
    func signedParts(_ message: [UInt8]) throws -> (content: [UInt8], signature: [UInt8]) {
        let text = String(decoding: message, as: UTF8.self)
        let marker = try #require(text.range(of: "boundary=\""))
        let rest = text[marker.upperBound...]
        let boundary = String(rest[..<(try #require(rest.firstIndex(of: "\"")))])
        let delimiter = "--" + boundary + "\r\n"
        let first = try #require(text.range(of: delimiter))
        let second = try #require(text.range(of: "\r\n" + delimiter, range: first.upperBound..<text.endIndex))
        let begin = try #require(text.range(of: "-----BEGIN PGP SIGNATURE-----"))
        let end = try #require(text.range(of: "-----END PGP SIGNATURE-----"))
        return (
            Array(text[first.upperBound..<second.lowerBound].utf8), Array(text[begin.lowerBound..<end.upperBound].utf8)
        )
    }
}
