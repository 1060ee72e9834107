import Foundation
import Logging
import Postern
import PosternPolicy
import PosternTestSupport
import Testing

/// Keys for alice (the sender), bob and carol, made at test time: an S/MIME PKI
/// (CA + RSA-2048 certificates with rfc822Name SANs) and a GnuPG keyring. dave has
/// no key anywhere; erin has only an OpenPGP key whose encryption subkey is RSA-1024 (weak).
/// Everything is removed when the body returns.
final class SealFixture {
    let pki: SMIMETestPKI
    let keyring: GnuPGTestKeyring
    let ca: SMIMETestPKI.Identity
    let identities: [String: SMIMETestPKI.Identity]
    let certificateDirectory: String

    static let people = ["alice", "bob", "carol"]

    static func address(_ name: String) -> String { "\(name)@example.test" }

    static func with<T>(_ body: (SealFixture) async throws -> T) async throws -> T {
        try await GnuPGTestKeyring.withKeyring(
            people.map { GnuPGTestKey(name: $0, email: address($0)) }
                + [GnuPGTestKey(name: "erin", email: address("erin"), kind: .weakRSAEncryption)]
        ) { keyring in
            let fixture = try await SealFixture(keyring: keyring)
            defer { fixture.pki.remove() }
            return try await body(fixture)
        }
    }

    private init(keyring: GnuPGTestKeyring) async throws {
        self.keyring = keyring
        pki = try SMIMETestPKI()
        ca = try await pki.makeCA("seal-ca")
        (identities, certificateDirectory) = try await pki.issueRecipients(Self.people, issuer: ca, email: Self.address)
    }

    /// Alice's S/MIME signer, the certificate directory and the CA; alice's OpenPGP home.
    var keys: SealKeyMaterial {
        SealKeyMaterial(
            smimeCertificateFile: identities["alice"]?.certificatePath, smimeKeyFile: identities["alice"]?.keyPath,
            smimeCertificateDirectory: certificateDirectory, caFile: ca.certificatePath, gnupgHome: keyring.home)
    }

    func path(_ name: String) -> String { pki.path(name) }

    /// Writes `bytes` to a file in the fixture directory and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = pki.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Seals with alice's keys (or `keys`) and the given policy YAML (nil: the baseline).
    func seal(
        _ message: String, policy yaml: String? = nil, sign: ProtectionFormat? = nil,
        encrypt: ProtectionFormat? = nil, outputFile: String? = nil, keys: SealKeyMaterial? = nil
    ) async throws -> SealOutcome {
        var layers: [PolicyDocument] = []
        if let yaml {
            layers.append(try PolicyLoader.parse(Array(yaml.utf8), file: "test.yaml"))
        }
        let request = SealRequest(
            input: .bytes(Array(message.utf8)), outputFile: outputFile, policy: CompiledPolicy(layers: layers),
            sign: sign, encrypt: encrypt, keys: keys ?? self.keys)
        return await Postern.seal(request, logger: Logger(label: "seal-test"))
    }

    // MARK: - Real tools

    /// `openssl cms -decrypt` with `name`'s key: the decrypted entity, or nil when it fails.
    func smimeDecrypt(_ message: [UInt8], as name: String) async throws -> [UInt8]? {
        let input = try write("in-\(UUID().uuidString.prefix(6)).eml", message)
        let identity = try #require(identities[name])
        let result = try await ToolProcess.run(
            "/usr/bin/openssl",
            ["cms", "-decrypt", "-in", input, "-recip", identity.certificatePath, "-inkey", identity.keyPath])
        return result.status == 0 ? [UInt8](result.stdout) : nil
    }

    /// `openssl cms -verify` against the test CA: the signed content, or nil when it fails.
    func smimeVerify(_ entity: [UInt8]) async throws -> [UInt8]? {
        let input = try write("v-\(UUID().uuidString.prefix(6)).eml", entity)
        let result = try await ToolProcess.run(
            "/usr/bin/openssl", ["cms", "-verify", "-in", input, "-CAfile", ca.certificatePath, "-purpose", "any"])
        return result.status == 0 ? [UInt8](result.stdout) : nil
    }

    /// `gpg --decrypt` in the fixture keyring (which holds every secret key) with status lines.
    func gpgDecrypt(_ message: [UInt8]) async throws -> GnuPGCommandResult {
        let input = try write("g-\(UUID().uuidString.prefix(6)).asc", armoredPart(of: message))
        return try await keyring.gpg(["--status-fd", "2", "--decrypt", input])
    }

    /// The key IDs an OpenPGP message is encrypted to, from `gpg --list-packets`.
    func gpgRecipientKeyIDs(_ message: [UInt8]) async throws -> Set<String> {
        let input = try write("l-\(UUID().uuidString.prefix(6)).asc", armoredPart(of: message))
        let listing = try await keyring.gpg(["--list-packets", "--list-only", input])
        let text = listing.stdoutText + listing.stderrText
        var ids = Set<String>()
        for line in text.split(separator: "\n") where line.contains("pubkey enc packet") {
            if let range = line.range(of: "keyid ") {
                ids.insert(String(line[range.upperBound...].prefix(16)).uppercased())
            }
        }
        return ids
    }

    /// The encryption subkey IDs of `name`.
    func encryptionKeyIDs(_ name: String) -> Set<String> {
        Set((keyring.encryptionSubkeyIDs[name] ?? []).map { $0.uppercased() })
    }

    /// The armored OpenPGP block inside a PGP/MIME message.
    func armoredPart(of message: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: message, as: UTF8.self)
        let begin = try #require(text.range(of: "-----BEGIN PGP MESSAGE-----"))
        let end = try #require(text.range(of: "-----END PGP MESSAGE-----"))
        return Array(text[begin.lowerBound..<end.upperBound].utf8)
    }
}

extension SealOutcome {
    /// The main copy's bytes (in memory or read back from its file).
    func mainBytes() throws -> [UInt8] {
        try #require(main).bytes()
    }
}

extension SealedCopy {
    func bytes() throws -> [UInt8] {
        switch content {
        case .bytes(let bytes): return bytes
        case .file(let path): return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
}

/// Text helpers.
extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
    /// The header section (up to the first empty line).
    var headerSection: String {
        let text = self.text
        guard let end = text.range(of: "\r\n\r\n") else { return text }
        return String(text[..<end.lowerBound])
    }
}

enum PolicyLoaderHelper {
    static func policy(_ yaml: String) throws -> CompiledPolicy {
        CompiledPolicy(layers: [try PolicyLoader.parse(Array(yaml.utf8), file: "test.yaml")])
    }
}
