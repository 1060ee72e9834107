import Foundation
import Postern
import PosternTestSupport
import Testing

@Suite struct SealOpenPGPTests {
    @Test func signedAndEncryptedMessageDecryptsAndVerifiesWithGPG() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(letter, sign: .openpgp, encrypt: .openpgp)
            #expect(outcome.exitStatus == .ok)
            #expect(outcome.report.protection?.signed == "openpgp")
            #expect(outcome.report.protection?.encrypted == "openpgp")
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("Subject: [...]"))
            #expect(sealed.headerSection.contains("multipart/encrypted"))
            #expect(!sealed.text.contains("Secret plans"))

            let result = try await fixture.gpgDecrypt(sealed)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(result.stderrText.contains("[GNUPG:] GOODSIG"))
            #expect(result.stderrText.contains("[GNUPG:] DECRYPTION_OKAY"))
            #expect(result.stdoutText.contains("Subject: Secret plans"))
            #expect(result.stdoutText.contains("hp=cipher"))
            let recipients = try await fixture.gpgRecipientKeyIDs(sealed)
            #expect(recipients == fixture.encryptionKeyIDs("bob").union(fixture.encryptionKeyIDs("alice")))
        }
    }

    @Test func signOnlyVerifiesWithGPGAndTamperingFails() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(letter, sign: .openpgp)
            #expect(outcome.exitStatus == .ok)
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("Subject: Secret plans"))
            let (content, signature) = try Self.signedParts(sealed)
            let contentFile = try fixture.write("signed.txt", content)
            let signatureFile = try fixture.write("signed.asc", signature)
            let good = try await fixture.keyring.gpg(["--status-fd", "2", "--verify", signatureFile, contentFile])
            #expect(good.status == 0, "\(good.stderrText)")
            #expect(good.stderrText.contains("[GNUPG:] GOODSIG"))

            let tampered = Array(content.text.replacingOccurrences(of: "usual", with: "other").utf8)
            let tamperedFile = try fixture.write("tampered.txt", tampered)
            let bad = try await fixture.keyring.gpg(["--status-fd", "2", "--verify", signatureFile, tamperedFile])
            #expect(bad.status != 0)
            #expect(bad.stderrText.contains("BADSIG"))
        }
    }

    @Test func bccCopiesAreEncryptedToThatRecipientAndTheSenderOnly() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(
                of: "To: bob@example.test", with: "To: bob@example.test\nBcc: carol@example.test")
            let outcome = try await fixture.seal(message, encrypt: .openpgp)
            #expect(outcome.exitStatus == .ok)
            let main = try outcome.mainBytes()
            let copy = try #require(outcome.bccCopies.first).bytes()
            let alice = fixture.encryptionKeyIDs("alice")
            await #expect(try fixture.gpgRecipientKeyIDs(main) == fixture.encryptionKeyIDs("bob").union(alice))
            await #expect(try fixture.gpgRecipientKeyIDs(copy) == fixture.encryptionKeyIDs("carol").union(alice))
            let inner = try await fixture.gpgDecrypt(main)
            #expect(inner.status == 0)
            #expect(!inner.stdoutText.contains("carol"))
            #expect(!inner.stdoutText.contains("Bcc"))
        }
    }

    @Test func recipientWithoutKeyDeniesNamingThem() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(of: "To: bob@example.test", with: "To: dave@example.test")
            let outcome = try await fixture.seal(message, encrypt: .openpgp)
            #expect(outcome.exitStatus == .noPerm)
            #expect(
                outcome.report.violations.contains {
                    $0.code == "recipient-key-missing" && $0.message.contains("dave@example.test")
                })
            #expect(outcome.report.failureDetail == nil, "the keyring was read: the key is really missing")
            #expect(outcome.main == nil)
        }
    }

    @Test("a weak OpenPGP key (RSA-1024) is refused under min-rsa-bits; a policy that lowers the floor accepts it")
    func weakRecipientKeyIsRefused() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(of: "To: bob@example.test", with: "To: erin@example.test")
            let outcome = try await fixture.seal(message, encrypt: .openpgp)
            #expect(outcome.exitStatus == .noPerm)
            #expect(
                outcome.report.violations.contains {
                    $0.code == "recipient-key-invalid" && $0.message.contains("erin@example.test")
                        && $0.message.contains("weak")
                })
            #expect(outcome.main == nil)

            let lenient = "postern-policy: 1\nname: legacy-keys\nmessage:\n  smime:\n    min-rsa-bits: 1024\n"
            // The policy's floor is what counts: a (sole) layer with 1024 lets erin's key through.
            let allowed = try await fixture.seal(message, policy: lenient, encrypt: .openpgp)
            #expect(allowed.exitStatus == .ok, "\(allowed.report.violations)")
            let sealed = try allowed.mainBytes()
            await #expect(try fixture.gpgRecipientKeyIDs(sealed).isSuperset(of: fixture.encryptionKeyIDs("erin")))
        }
    }

    /// The signed part (exact bytes) and the armored signature of a multipart/signed message.
    static func signedParts(_ message: [UInt8]) throws -> (content: [UInt8], signature: [UInt8]) {
        let text = message.text
        let marker = try #require(text.range(of: "boundary=\""))
        let rest = text[marker.upperBound...]
        let boundary = String(rest[..<(try #require(rest.firstIndex(of: "\"")))])
        let delimiter = "--" + boundary + "\r\n"
        let first = try #require(text.range(of: delimiter))
        let second = try #require(text.range(of: "\r\n" + delimiter, range: first.upperBound..<text.endIndex))
        let content = Array(text[first.upperBound..<second.lowerBound].utf8)
        let begin = try #require(text.range(of: "-----BEGIN PGP SIGNATURE-----"))
        let end = try #require(text.range(of: "-----END PGP SIGNATURE-----"))
        return (content, Array(text[begin.lowerBound..<end.upperBound].utf8))
    }
}
