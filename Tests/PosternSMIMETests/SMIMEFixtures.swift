import Foundation
import PosternSMIME
import Testing

/// The S/MIME test world: a CA with an intermediate, good and deliberately bad
/// recipient certificates, all made by `openssl` at test time.
struct SMIMEFixtures: Sendable {
    let pki: TestPKI
    let ca: TestPKI.Identity
    let intermediate: TestPKI.Identity
    let untrustedCA: TestPKI.Identity
    /// The signer, issued by the intermediate; its PEM holds its certificate and then the intermediate.
    let sender: TestPKI.Identity
    let senderWithChainPath: String
    let alice: TestPKI.Identity
    let bob: TestPKI.Identity
    /// EC P-256 (keyAgreement).
    let carol: TestPKI.Identity
    /// A directory of recipient certificates, good and bad.
    let recipientDirectory: String

    @TaskLocal static var current: SMIMEFixtures?

    static func required() throws -> SMIMEFixtures {
        try #require(current, "the suite must have the .smimeFixtures trait")
    }

    static func make(in pki: TestPKI) async throws -> SMIMEFixtures {
        let ca = try await pki.makeCA("test-root-ca")
        let untrustedCA = try await pki.makeCA("untrusted-ca")
        let intermediate = try await pki.makeIntermediateCA("test-intermediate-ca", issuer: ca)
        let sender = try await pki.issue("sender", issuer: intermediate, sanEmails: ["sender@example.org"])
        let senderWithChain = pki.path("sender-chain.pem")
        try
            (Data(contentsOf: URL(fileURLWithPath: sender.certificatePath))
            + Data(contentsOf: URL(fileURLWithPath: intermediate.certificatePath)))
            .write(to: URL(fileURLWithPath: senderWithChain))

        let alice = try await pki.issue("alice", issuer: ca, sanEmails: ["alice@example.org"])
        let bob = try await pki.issue("bob", issuer: ca, sanEmails: ["bob@example.org"])
        let carol = try await pki.issue("carol", kind: .ecP256, issuer: ca, sanEmails: ["carol@example.org"])
        let bad = [
            try await pki.issue(
                "expired", issuer: ca, sanEmails: ["expired@example.org"],
                validity: ("20200101000000Z", "20210101000000Z")),
            try await pki.issue("wrongsan", issuer: ca, sanEmails: ["someone-else@example.org"]),
            try await pki.issue("dnonly", issuer: ca, sanEmails: [], subjectEmail: "dnonly@example.org"),
            try await pki.issue("weak", kind: .rsa(bits: 1024), issuer: ca, sanEmails: ["weak@example.org"]),
            try await pki.issue(
                "signonly", issuer: ca, sanEmails: ["signonly@example.org"], keyUsage: "critical,digitalSignature"),
            try await pki.issue("untrusted", issuer: untrustedCA, sanEmails: ["untrusted@example.org"]),
            try await pki.issue(
                "wrongeku", issuer: ca, sanEmails: ["wrongeku@example.org"], extendedKeyUsage: "clientAuth"),
        ]
        let directory = pki.path("recipients")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for identity in [alice, bob, carol] + bad {
            try FileManager.default.copyItem(
                atPath: identity.certificatePath, toPath: "\(directory)/\(identity.name).pem")
        }
        // Not a certificate: must be skipped, not fatal.
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/notes.pem"))
        return SMIMEFixtures(
            pki: pki, ca: ca, intermediate: intermediate, untrustedCA: untrustedCA, sender: sender,
            senderWithChainPath: senderWithChain, alice: alice, bob: bob, carol: carol,
            recipientDirectory: directory)
    }

    /// The signer as the library loads it from `--smime-cert` / `--smime-key`.
    func senderIdentity() throws -> SMIMESigningIdentity {
        try SMIMESigningIdentity.load(certificatePEMFile: senderWithChainPath, keyPEMFile: sender.keyPath)
    }

    func certificate(_ identity: TestPKI.Identity) throws -> SMIMECertificate {
        try #require(try SMIMECertificate.load(pemFile: identity.certificatePath).first)
    }

    func trustStore() throws -> SMIMETrustStore {
        try SMIMETrustStore.only(caFile: ca.certificatePath)
    }

    /// Writes bytes to a new file in the PKI directory and returns its path.
    func write(_ bytes: [UInt8], named name: String) throws -> String {
        let path = pki.path("\(UUID().uuidString.prefix(8))-\(name)")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Makes one PKI and fixture set for a whole suite (and the suites nested in it), deleted afterwards.
struct SMIMEFixturesScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let fixtures = try await SMIMEFixtures.make(in: pki)
        try await SMIMEFixtures.$current.withValue(fixtures) {
            try await function()
        }
    }
}

extension Trait where Self == SMIMEFixturesScope {
    /// Gives the suite a fresh test PKI in ``SMIMEFixtures/current``.
    static var smimeFixtures: Self { SMIMEFixturesScope() }
}

/// A canonical inner entity like the MIME layer produces: CRLF everywhere.
enum SampleEntity {
    static func text(_ body: String = "Hello Bob,\r\n\r\nthe quarterly numbers are attached.\r\n") -> [UInt8] {
        Array(
            ("Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 7bit\r\n"
                + "\r\n" + body).utf8)
    }

    static let boundary = "----=_Postern_Test_7f3a9c"
}

/// Whether every LF in `bytes` is preceded by CR.
func hasOnlyCRLFLineEnds(_ bytes: [UInt8]) -> Bool {
    for index in bytes.indices where bytes[index] == 0x0A {
        if index == 0 || bytes[index - 1] != 0x0D { return false }
    }
    return true
}
