import Foundation
import Postern
import PosternTestSupport
import Testing

let letter = """
    From: Alice <alice@example.test>
    To: bob@example.test
    Subject: Secret plans
    Date: Sun, 29 Nov 2026 12:00:00 +0000
    Message-ID: <seal-test@example.test>

    Meet me at the usual place.
    Caf\u{e9} at noon.

    """

@Suite struct SealSMIMETests {
    @Test func signedAndEncryptedMessageDecryptsAndVerifiesWithOpenSSL() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(letter, sign: .smime, encrypt: .smime)
            #expect(outcome.exitStatus == .ok)
            #expect(
                outcome.report.protection
                    == Report.Protection(signed: "smime", encrypted: "smime", recipients: ["bob@example.test"]))
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("Subject: [...]"))
            #expect(!sealed.text.contains("Secret plans"))
            #expect(sealed.headerSection.contains("application/pkcs7-mime"))

            let decrypted = try await #require(try fixture.smimeDecrypt(sealed, as: "bob"))
            let content = try await #require(try fixture.smimeVerify(decrypted), "openssl cms -verify failed")
            #expect(content.headerSection.contains("Subject: Secret plans"))
            #expect(content.headerSection.contains("hp=cipher"))
            #expect(content.headerSection.contains("HP-Outer: Subject: [...]"))
            // The sender can read its own copy (encrypt-to-self), carol cannot.
            await #expect(try fixture.smimeDecrypt(sealed, as: "alice") != nil)
            await #expect(try fixture.smimeDecrypt(sealed, as: "carol") == nil)
        }
    }

    @Test func signOnlyKeepsHeadersVisibleAndTamperingBreaksTheSignature() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(letter, sign: .smime)
            #expect(outcome.exitStatus == .ok)
            #expect(outcome.report.protection?.encrypted == nil)
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("Subject: Secret plans"))
            #expect(sealed.headerSection.contains("multipart/signed"))
            #expect(sealed.text.contains("hp=clear"))
            // 7-bit clean and CRLF only.
            #expect(sealed.allSatisfy { $0 < 0x80 })
            #expect(!sealed.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))

            let content = try await #require(try fixture.smimeVerify(sealed))
            #expect(content.text.contains("Meet me at the usual place."))
            let tampered = Array(sealed.text.replacingOccurrences(of: "usual place", with: "other place").utf8)
            #expect(tampered != sealed)
            await #expect(try fixture.smimeVerify(tampered) == nil)
        }
    }

    @Test func policyRequiringEncryptionEncryptsWhenNotAsked() async throws {
        try await SealFixture.with { fixture in
            let policy = "postern-policy: 1\nname: enc\nmessage: { encrypt: required, formats: [smime] }\n"
            let outcome = try await fixture.seal(letter, policy: policy)
            #expect(outcome.exitStatus == .ok)
            #expect(outcome.report.protection?.encrypted == "smime")
            #expect(outcome.summary.contains("required by the policy"))
            let sealed = try outcome.mainBytes()
            let inner = try await #require(try fixture.smimeDecrypt(sealed, as: "bob"))
            #expect(inner.headerSection.contains("Subject: Secret plans"))
        }
    }

    @Test func oneRecipientWithoutKeyDeniesAndWritesNothing() async throws {
        try await SealFixture.with { fixture in
            let policy = "postern-policy: 1\nname: enc\nmessage: { encrypt: required, formats: [smime] }\n"
            let message = letter.replacingOccurrences(
                of: "To: bob@example.test", with: "To: bob@example.test, dave@example.test")
            let output = fixture.path("denied.eml")
            let outcome = try await fixture.seal(message, policy: policy, outputFile: output)
            #expect(outcome.exitStatus == .noPerm)
            #expect(outcome.main == nil)
            #expect(!FileManager.default.fileExists(atPath: output))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.pki.directory.path)
                .filter { $0.contains("denied.eml") }
            #expect(leftovers.isEmpty)
            let missing = outcome.report.violations.filter { $0.code == "recipient-key-missing" }
            #expect(missing.count == 1)
            #expect(missing.first?.message.contains("dave@example.test") == true)
            #expect(missing.first?.rule == "enc")
        }
    }

    @Test func forbiddenButRequestedIsDenied() async throws {
        try await SealFixture.with { fixture in
            let policy = "postern-policy: 1\nname: no-crypto\nmessage: { encrypt: forbidden }\n"
            let output = fixture.path("forbidden.eml")
            let outcome = try await fixture.seal(letter, policy: policy, encrypt: .smime, outputFile: output)
            #expect(outcome.exitStatus == .noPerm)
            #expect(outcome.report.violations.contains { $0.code == "format-not-allowed" })
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func formatOutsideTheAllowedListIsDenied() async throws {
        try await SealFixture.with { fixture in
            let policy = "postern-policy: 1\nname: pgp-only\nmessage: { formats: [openpgp] }\n"
            let outcome = try await fixture.seal(letter, policy: policy, sign: .smime)
            #expect(outcome.exitStatus == .noPerm)
            #expect(outcome.report.violations.contains { $0.code == "format-not-allowed" })
        }
    }

    @Test func weakRecipientKeyIsInvalidUnderMinRSABits() async throws {
        try await SealFixture.with { fixture in
            let policy = "postern-policy: 1\nname: strong\nmessage: { smime: { min-rsa-bits: 3072 } }\n"
            let outcome = try await fixture.seal(letter, policy: policy, encrypt: .smime)
            #expect(outcome.exitStatus == .noPerm)
            let invalid = outcome.report.violations.filter { $0.code == "recipient-key-invalid" }
            #expect(invalid.contains { $0.message.contains("bob@example.test") })
        }
    }

    @Test func bccRecipientGetsAnOwnCopyOnlyTheyCanRead() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(
                of: "To: bob@example.test", with: "To: bob@example.test\nBcc: carol@example.test")
            let output = fixture.path("bcc.eml")
            let outcome = try await fixture.seal(message, sign: .smime, encrypt: .smime, outputFile: output)
            #expect(outcome.exitStatus == .ok)
            #expect(outcome.main?.envelopeRecipients == ["bob@example.test"])
            let copy = try #require(outcome.bccCopies.first)
            #expect(outcome.bccCopies.count == 1)
            #expect(copy.envelopeRecipients == ["carol@example.test"])
            #expect(copy.content == .file(output + ".bcc-1"))

            let main = try outcome.mainBytes()
            let bcc = try copy.bytes()
            for sealed in [main, bcc] {
                #expect(!sealed.headerSection.lowercased().contains("bcc"))
                #expect(!sealed.headerSection.contains("carol"))
            }
            let mainInner = try await #require(try fixture.smimeDecrypt(main, as: "bob"))
            #expect(!mainInner.text.contains("carol"))
            #expect(!mainInner.text.contains("Bcc:"))
            await #expect(try fixture.smimeDecrypt(main, as: "carol") == nil)
            let bccInner = try await #require(try fixture.smimeDecrypt(bcc, as: "carol"))
            await #expect(try fixture.smimeVerify(bccInner) != nil)
            await #expect(try fixture.smimeDecrypt(bcc, as: "bob") == nil)
            await #expect(try fixture.smimeDecrypt(bcc, as: "alice") != nil)
        }
    }

    @Test func malformedMessageIsADataErrorWithALocation() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(
                "From: alice@example.test\r\nNo colon here\r\n\r\nbody\r\n", sign: .smime)
            #expect(outcome.exitStatus == .dataErr)
            #expect(outcome.report.error?.contains("line 2") == true)
        }
    }

    @Test func missingInputFileIsNoInput() async throws {
        let request = SealRequest(input: .file("/nonexistent/seal-input.eml"))
        let outcome = await seal(request, logger: .init(label: "t"))
        #expect(outcome.exitStatus == .noInput)
    }
}
