import Foundation
import PosternSMIME
import Testing

extension SMIMETests {
    @Suite struct Encryption {
        /// A recipient and the key transport used for it.
        enum RecipientCase: String, CaseIterable, Sendable {
            case rsaPKCS1 = "RSA PKCS#1 v1.5"
            case rsaOAEP = "RSA-OAEP"
            case ecdh = "EC P-256 ECDH"
        }

        @Test(
            "encrypted output decrypts with openssl cms -decrypt",
            arguments: SMIMEContentCipher.all, RecipientCase.allCases)
        func encryptDecryptsWithOpenSSL(cipher: SMIMEContentCipher, recipientCase: RecipientCase) async throws {
            let fixtures = try SMIMEFixtures.required()
            let recipient = recipientCase == .ecdh ? fixtures.carol : fixtures.alice
            let options = SMIMEEncryptionOptions(
                cipher: cipher, rsaKeyTransport: recipientCase == .rsaOAEP ? .oaep : .pkcs1v15)
            let inner = SampleEntity.text()
            let encrypted = try SMIME.encrypt(inner, to: [try fixtures.certificate(recipient)], options: options)

            let text = String(decoding: encrypted, as: UTF8.self)
            #expect(text.hasPrefix("Content-Type: application/pkcs7-mime; smime-type=\(cipher.smimeType);"))
            #expect(hasOnlyCRLFLineEnds(encrypted))

            let input = try fixtures.write(encrypted, named: "encrypted.eml")
            let output = fixtures.pki.path("decrypted-\(UUID().uuidString.prefix(6)).bin")
            try await TestPKI.openssl([
                "cms", "-decrypt", "-in", input, "-recip", recipient.certificatePath, "-inkey", recipient.keyPath,
                "-out", output,
            ])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: output))) == inner)

            // The structure is what was asked for, as OpenSSL itself reads it.
            let printed = String(
                decoding: try await TestPKI.openssl(["cms", "-cmsout", "-print", "-in", input]), as: UTF8.self)
            #expect(printed.contains(cipher == .aes256GCM ? "id-smime-ct-authEnvelopedData" : "pkcs7-envelopedData"))
            #expect(printed.contains(cipher == .aes256GCM ? "aes-256-gcm" : "aes-256-cbc"))
            switch recipientCase {
            case .rsaPKCS1:
                #expect(printed.contains("rsaEncryption"))
                #expect(!printed.contains("rsaesOaep"))
            case .rsaOAEP:
                #expect(printed.contains("rsaesOaep"))
                #expect(printed.contains("sha256"))
            case .ecdh:
                #expect(printed.contains("dhSinglePass-stdDH-sha256kdf-scheme"))
            }

            // And PosternSMIME reads it back too.
            let key = try SMIMEPrivateKey.load(pemFile: recipient.keyPath)
            #expect(try SMIME.decrypt(encrypted, key: key, certificate: try fixtures.certificate(recipient)) == inner)
        }

        @Test("every recipient of a multi-recipient message can decrypt; an outsider cannot")
        func multipleRecipients() async throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text()
            let encrypted = try SMIME.encrypt(
                inner, to: [try fixtures.certificate(fixtures.alice), try fixtures.certificate(fixtures.carol)])
            let input = try fixtures.write(encrypted, named: "multi.eml")
            for recipient in [fixtures.alice, fixtures.carol] {
                let output = try await TestPKI.openssl([
                    "cms", "-decrypt", "-in", input, "-recip", recipient.certificatePath, "-inkey", recipient.keyPath,
                ])
                #expect([UInt8](output) == inner)
            }
            let error = #expect(throws: SMIMEError.self) {
                try SMIME.decrypt(
                    encrypted, key: try SMIMEPrivateKey.load(pemFile: fixtures.bob.keyPath),
                    certificate: try fixtures.certificate(fixtures.bob))
            }
            #expect(error?.code == .decryptionFailed, "\(String(describing: error))")
        }

        @Test("sign-then-encrypt decrypts with openssl, then verifies with openssl", arguments: SMIMEContentCipher.all)
        func signThenEncrypt(cipher: SMIMEContentCipher) async throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text()
            let sealed = try SMIME.signThenEncrypt(
                inner, identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary,
                to: [try fixtures.certificate(fixtures.bob)], options: SMIMEEncryptionOptions(cipher: cipher))
            let input = try fixtures.write(sealed, named: "sealed.eml")
            let signedPath = fixtures.pki.path("unsealed-\(cipher).eml")
            try await TestPKI.openssl([
                "cms", "-decrypt", "-in", input, "-recip", fixtures.bob.certificatePath, "-inkey",
                fixtures.bob.keyPath, "-out", signedPath,
            ])
            let signed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: signedPath)))
            #expect(String(decoding: signed, as: UTF8.self).hasPrefix("Content-Type: multipart/signed;"))
            let content = try await TestPKI.openssl([
                "cms", "-verify", "-in", signedPath, "-CAfile", fixtures.ca.certificatePath,
            ])
            #expect([UInt8](content) == inner)
        }

        @Test("encrypting to nobody is refused")
        func noRecipients() throws {
            let error = #expect(throws: SMIMEError.self) { try SMIME.encrypt(SampleEntity.text(), to: []) }
            #expect(error?.code == .noRecipients)
        }
    }
}
