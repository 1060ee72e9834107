import Foundation
import Logging
import Postern
import PosternPolicy
import PosternSMTP
import PosternTestSupport
import Testing

/// Keys made at test time for alice (sender), bob and carol (S/MIME certificates and
/// OpenPGP keys); dave has none. A TLS test PKI for the scripted server. All removed after.
final class SealSendFixture {
    let smime: SMIMETestPKI
    let keyring: GnuPGTestKeyring
    let tls: TestPKI
    let ca: SMIMETestPKI.Identity
    let identities: [String: SMIMETestPKI.Identity]
    let certificateDirectory: String

    static let people = ["alice", "bob", "carol"]
    static func address(_ name: String) -> String { "\(name)@example.test" }
    static let canary = "SEALSEND-CANARY-7731"
    static let password = "sealsend-pw-Kq02"

    /// Mail to anyone outside example.org must be encrypted (the shipped encrypt-external rule, in short).
    static let encryptExternal = """
        postern-policy: 1
        name: encrypt-external
        rules:
          - name: encrypt-external
            when: { recipient-not: ["*@example.org"] }
            message: { encrypt: required, formats: [smime] }
        """

    static func with<T>(_ body: (SealSendFixture) async throws -> T) async throws -> T {
        try await GnuPGTestKeyring.withKeyring(people.map { GnuPGTestKey(name: $0, email: address($0)) }) {
            keyring in
            try await withTestPKI { tls in
                let fixture = try await SealSendFixture(keyring: keyring, tls: tls)
                defer { fixture.smime.remove() }
                return try await body(fixture)
            }
        }
    }

    private init(keyring: GnuPGTestKeyring, tls: TestPKI) async throws {
        self.keyring = keyring
        self.tls = tls
        smime = try SMIMETestPKI()
        ca = try await smime.makeCA("sealsend-ca")
        (identities, certificateDirectory) = try await smime.issueRecipients(
            Self.people, issuer: ca, email: Self.address)
    }

    var keys: SealKeyMaterial {
        SealKeyMaterial(
            smimeCertificateFile: identities["alice"]?.certificatePath, smimeKeyFile: identities["alice"]?.keyPath,
            smimeCertificateDirectory: certificateDirectory, caFile: ca.certificatePath, gnupgHome: keyring.home,
            pgpSigner: Self.address("alice"))
    }

    static func letter(to: String, bcc: String? = nil) -> [UInt8] {
        var text = "From: alice@example.test\r\nTo: \(to)\r\n"
        if let bcc { text += "Bcc: \(bcc)\r\n" }
        text += "Subject: quarterly figures\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
        text += "\(canary)\r\nThe usual numbers.\r\n"
        return Array(text.utf8)
    }

    /// Seals (as required or asked) and submits `bytes` with alice's keys to the scripted server.
    func send(
        _ bytes: [UInt8], to recipients: [String], bcc: [String] = [], policy yaml: String?, server: ScriptedSMTPServer,
        sign: ProtectionFormat? = nil, encrypt: ProtectionFormat? = nil
    ) async throws -> Report {
        let layers = try yaml.map { [try PolicyLoader.parse(Array($0.utf8), file: "test.yaml")] } ?? []
        let connection = ConnectionSettings(
            server: ServerEndpoint(host: "localhost", port: server.port),
            connect: ServerEndpoint(host: server.host, port: server.port), security: .implicitTLS,
            caFile: tls.caFilePath, usesSystemTrustStore: false)
        let unprotected = SubmissionMessage(
            content: .bytes(bytes), sender: Self.address("alice"), recipients: recipients, bccRecipients: bcc)
        let request = SealAndSubmitRequest(
            connection: connection,
            credentials: SMTPCredentials(username: "alice", proof: .password(PosternSMTP.Secret(Self.password))),
            policy: CompiledPolicy(layers: layers),
            messages: [SealableMessage(original: bytes, unprotected: unprotected)],
            sign: sign, encrypt: encrypt, keys: keys)
        var logger = Logger(label: "sealsend-test")
        logger.logLevel = .critical
        return await sealAndSubmit(request, logger: logger)
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let path = smime.path("m-\(UUID().uuidString.prefix(8)).eml")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `openssl cms -decrypt` with `name`'s key; nil when it fails.
    func decrypt(_ message: [UInt8], as name: String) async throws -> String? {
        let identity = try #require(identities[name])
        let result = try await ToolProcess.run(
            "/usr/bin/openssl",
            [
                "cms", "-decrypt", "-in", try write(message), "-recip", identity.certificatePath, "-inkey",
                identity.keyPath,
            ])
        return result.status == 0 ? String(decoding: result.stdout, as: UTF8.self) : nil
    }
}

/// A DATA body as received, with the dot-stuffing undone.
func unstuffed(_ received: [UInt8]) -> [UInt8] {
    let text = String(decoding: received, as: UTF8.self)
    let lines = text.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
    return Array(lines.joined(separator: "\r\n").utf8)
}

/// The header section of a message (up to the first empty line).
func headerSection(_ message: [UInt8]) -> String {
    let text = String(decoding: message, as: UTF8.self)
    return text.components(separatedBy: "\r\n\r\n").first ?? ""
}

extension SMTPServerRecording {
    var sawCanary: Bool {
        String(decoding: allBytes, as: UTF8.self).contains(SealSendFixture.canary)
    }
    /// The RCPT TO lines, in order.
    var rcptLines: [String] {
        commandLines.map { $0.hasPrefix("[tls] ") ? String($0.dropFirst(6)) : $0 }.filter {
            $0.uppercased().hasPrefix("RCPT")
        }
    }
}
