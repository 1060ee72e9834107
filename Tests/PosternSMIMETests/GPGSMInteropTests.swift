import Foundation
import PosternSMIME
import PosternTestSupport
import Testing

/// A throwaway gpgsm home: trusts the test root, holds one recipient's secret key.
///
/// The path is kept short because gpg-agent's socket path has a length limit;
/// ``close()`` stops the agent and deletes everything.
final class GPGSMHome {
    let path: String
    private var environment: [String: String] { ["GNUPGHOME": path] }

    init(trusting root: TestPKI.Identity, secretKeyOf recipient: TestPKI.Identity, pki: TestPKI) async throws {
        path = "/tmp/pgs-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        do {
            try await setUp(trusting: root, secretKeyOf: recipient, pki: pki)
        } catch {
            await close()
            throw error
        }
    }

    private func setUp(trusting root: TestPKI.Identity, secretKeyOf recipient: TestPKI.Identity, pki: TestPKI)
        async throws
    {
        try Data("disable-crl-checks\ndisable-policy-checks\n".utf8)
            .write(to: URL(fileURLWithPath: "\(path)/gpgsm.conf"))
        try Data("allow-loopback-pinentry\n".utf8).write(to: URL(fileURLWithPath: "\(path)/gpg-agent.conf"))
        try await gpgsm(["--import", root.certificatePath])
        let fingerprint =
            String(
                decoding: try await TestPKI.openssl([
                    "x509", "-in", root.certificatePath, "-noout", "-fingerprint", "-sha1",
                ]),
                as: UTF8.self
            ).split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        try Data("\(fingerprint) S relax\n".utf8).write(to: URL(fileURLWithPath: "\(path)/trustlist.txt"))
        // gpgsm 2.2 reads only the legacy PKCS#12 encryption; the empty password is not a secret.
        // gpgsm 2.2's PKCS#12 reader rejects about 4 % of the bundles OpenSSL writes for the same
        // key and certificate ("decryption failed … outer.outer.seq" or "data error at
        // shrouded_key_bag.decrypted-text"): measured 12 of 300 fresh exports of one key, each
        // failing file failing again on every re-import. It depends on the random salt, not on
        // load, so a failed import exports a new bundle (new salt) and tries again, up to 5 times.
        let bundle = pki.path("\(recipient.name)-legacy.p12")
        var attempt = 1
        while true {
            try await TestPKI.openssl([
                "pkcs12", "-export", "-inkey", recipient.keyPath, "-in", recipient.certificatePath, "-passout",
                "pass:", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-out", bundle,
            ])
            do {
                try await gpgsm(["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import", bundle])
                return
            } catch  where attempt < 5 {
                attempt += 1
                _ = try? await ToolProcess.run("/usr/bin/gpgconf", ["--kill", "gpg-agent"], environment: environment)
            }
        }
    }

    /// Runs gpgsm in batch mode with /dev/null as stdin (an empty passphrase); throws on failure.
    @discardableResult
    func gpgsm(_ arguments: [String]) async throws -> Data {
        let result = try await ToolProcess.run(
            "/usr/bin/gpgsm", ["--batch"] + arguments, environment: environment)
        guard result.status == 0 else {
            throw ToolProcess.Failure(command: "gpgsm " + arguments.joined(separator: " "), stderr: result.stderr)
        }
        return result.stdout
    }

    func close() async {
        _ = try? await ToolProcess.run("/usr/bin/gpgconf", ["--kill", "all"], environment: environment)
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The DER inside a base64 MIME body that starts after the first blank line (and ends before `terminator`).
func base64Body(of entity: [UInt8], after marker: String = "", until terminator: String? = nil) throws -> Data {
    var text = String(decoding: entity, as: UTF8.self)
    if !marker.isEmpty, let range = text.range(of: marker) { text = String(text[range.upperBound...]) }
    let start = try #require(text.range(of: "\r\n\r\n"))
    var body = String(text[start.upperBound...])
    if let terminator, let end = body.range(of: terminator) { body = String(body[..<end.lowerBound]) }
    return try #require(Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")))
}

extension SMIMETests {
    @Suite struct GPGSMInterop {
        @Test("gpgsm 2.2 decrypts signed-then-encrypted AES-256-CBC output and verifies the signature inside")
        func gpgsmReadsOutput() async throws {
            let fixtures = try SMIMEFixtures.required()
            let home = try await GPGSMHome(trusting: fixtures.ca, secretKeyOf: fixtures.bob, pki: fixtures.pki)
            do {
                try await decryptAndVerify(in: home, fixtures: fixtures)
            } catch {
                await home.close()
                throw error
            }
            await home.close()
        }

        private func decryptAndVerify(in home: GPGSMHome, fixtures: SMIMEFixtures) async throws {
            let inner = SampleEntity.text()
            let sealed = try SMIME.signThenEncrypt(
                inner, identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary,
                to: [try fixtures.certificate(fixtures.bob)])
            let envelope = fixtures.pki.path("gpgsm-envelope.der")
            try base64Body(of: sealed).write(to: URL(fileURLWithPath: envelope))
            let signed = [UInt8](
                try await home.gpgsm([
                    "--pinentry-mode", "loopback", "--passphrase-fd", "0",
                    "--decrypt", envelope,
                ]))
            #expect(String(decoding: signed, as: UTF8.self).hasPrefix("Content-Type: multipart/signed;"))

            let signature = fixtures.pki.path("gpgsm-smime.p7s")
            try base64Body(
                of: signed, after: "Content-Type: application/pkcs7-signature",
                until: "\r\n--\(SampleEntity.boundary)--"
            ).write(to: URL(fileURLWithPath: signature))
            let content = try fixtures.write(inner, named: "gpgsm-content.eml")
            try await home.gpgsm(["--verify", signature, content])

            // The same check must fail on altered content.
            let altered = try fixtures.write(SampleEntity.text("Hello Mallory\r\n"), named: "gpgsm-altered.eml")
            await #expect(throws: ToolProcess.Failure.self) { try await home.gpgsm(["--verify", signature, altered]) }
        }
    }
}
