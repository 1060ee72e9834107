import Foundation
import PosternTestSupport
import Testing

/// `postern sendmail` with the configuration file's `smime` keys and a policy that requires encryption.
@Suite("postern sendmail seals with the configuration's keys")
struct SendmailSealingTests {
    @Test("config smime keys + encrypt-external policy: the recipient's copy arrives encrypted to it")
    func configurationKeysSeal() async throws {
        try await SealSendFixture.with { fixture in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: fixture.tls.valid)) {
                server in
                let caFile = fixture.smime.path("sendmail-cas.pem")
                let both =
                    try Data(contentsOf: URL(fileURLWithPath: fixture.tls.caFilePath))
                    + Data(contentsOf: URL(fileURLWithPath: fixture.ca.certificatePath))
                try both.write(to: URL(fileURLWithPath: caFile))
                let policy = fixture.smime.path("encrypt-external.yaml")
                try Data(SealSendFixture.encryptExternal.utf8).write(to: URL(fileURLWithPath: policy))
                let alice = try #require(fixture.identities["alice"])
                let config = fixture.smime.path("postern.yaml")
                let text = """
                    postern-config: 1
                    server: "localhost:\(server.port)"
                    connect: "\(server.host):\(server.port)"
                    security: implicit-tls
                    ca-file: "\(caFile)"
                    user: alice
                    password: { env: SEALSEND_PW }
                    policies: ["\(policy)"]
                    smime: { cert: "\(alice.certificatePath)", key: "\(alice.keyPath)", certs: "\(fixture.certificateDirectory)" }

                    """
                try Data(text.utf8).write(to: URL(fileURLWithPath: config))
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
                let result = try await ToolProcess.run(
                    try SendCLISealingTests.executable(), ["sendmail", "-i", "bob@example.test"],
                    stdin: Data(SealSendFixture.letter(to: "bob@example.test")),
                    environment: [
                        "POSTERN_CONFIG": config, "POSTERN_POLICY": "", "SEALSEND_PW": SealSendFixture.password,
                    ])
                #expect(result.status == 0, "\(result.stderr)")
                let recording = server.recording
                #expect(!recording.sawCanary)
                let received = unstuffed(try #require(recording.messages.first))
                #expect(headerSection(received).contains("application/pkcs7-mime"))
                let opened = try await #require(try fixture.decrypt(received, as: "bob"))
                #expect(opened.contains(SealSendFixture.canary))
            }
        }
    }
}
