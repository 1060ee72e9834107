import Foundation
import PosternTestSupport
import Testing

/// `postern send` as a subprocess: key material flags reach the sealing step.
@Suite("postern send seals through the real binary")
struct SendCLISealingTests {
    static func executable() throws -> String {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            candidates.append(
                URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("postern").path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/postern").path)
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) })
    }

    /// Runs `postern send` against the scripted server; one `--ca-file` holds both the TLS and the S/MIME CA.
    func send(
        _ extra: [String], message: [UInt8], fixture: SealSendFixture, server: ScriptedSMTPServer
    ) async throws -> ToolProcess.Output {
        let caFile = fixture.smime.path("both-cas.pem")
        let both =
            try Data(contentsOf: URL(fileURLWithPath: fixture.tls.caFilePath))
            + Data(contentsOf: URL(fileURLWithPath: fixture.ca.certificatePath))
        try both.write(to: URL(fileURLWithPath: caFile))
        let alice = try #require(fixture.identities["alice"])
        let arguments =
            [
                "send", "--server", "localhost:\(server.port)", "--connect", "\(server.host):\(server.port)",
                "--security", "implicit-tls", "--ca-file", caFile, "--user", "alice", "--password-env",
                "SEALSEND_PW", "--format", "json", "--smime-cert", alice.certificatePath, "--smime-key", alice.keyPath,
                "--smime-certs", fixture.certificateDirectory, "--gnupg-home", fixture.keyring.home,
                "--pgp-signer", SealSendFixture.address("alice"), try fixture.write(message),
            ] + extra
        return try await ToolProcess.run(
            try Self.executable(), arguments,
            environment: ["POSTERN_POLICY": "", "SEALSEND_PW": SealSendFixture.password])
    }

    @Test("send --sign openpgp: multipart/signed arrives and gpg --verify accepts it; the report says so")
    func signOpenPGP() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let result = try await send(
                    ["--sign", "openpgp"], message: SealSendFixture.letter(to: "bob@example.org"), fixture: fixture,
                    server: server)
                #expect(result.status == 0, "\(result.stderr)")
                let json = try #require(
                    try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
                let protection = try #require(json["protection"] as? [String: Any])
                #expect(protection["signed"] as? String == "openpgp")
                let received = unstuffed(try #require(server.recording.messages.first))
                #expect(headerSection(received).contains("multipart/signed"))
                let (content, signature) = try SealAndSubmitTests().signedParts(received)
                let verified = try await fixture.keyring.gpg(
                    ["--status-fd", "2", "--verify", try fixture.write(signature), try fixture.write(content)])
                #expect(verified.stderrText.contains("[GNUPG:] GOODSIG"), "\(verified.stderrText)")
                #expect(!result.stderr.contains(SealSendFixture.password))
            }
        }
    }

    @Test("send --encrypt smime to a recipient without a certificate: 77, nothing reaches the server")
    func encryptWithoutKeyIsDenied() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let result = try await send(
                    ["--encrypt", "smime"], message: SealSendFixture.letter(to: "dave@example.test"), fixture: fixture,
                    server: server)
                #expect(result.status == 77, "\(result.stderr)")
                let json = try #require(
                    try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
                let codes = (json["violations"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("recipient-key-missing"))
                #expect(json["verb"] as? String == "send")
                #expect(server.recording.connections == 0)
                #expect(server.recording.allBytes.isEmpty)
            }
        }
    }
}
