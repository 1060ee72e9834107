import Foundation
import PosternSMIME
import PosternTestSupport
import Testing

extension SMIMETests {
    @Suite struct Signing {
        @Test("signed output verifies with openssl cms -verify and yields the inner bytes", arguments: SMIMEDigest.all)
        func signVerifiesWithOpenSSL(digest: SMIMEDigest) async throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text()
            let signed = try SMIME.sign(
                inner, identity: try fixtures.senderIdentity(), digest: digest, boundary: SampleEntity.boundary)

            let text = String(decoding: signed, as: UTF8.self)
            #expect(text.hasPrefix("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"))
            #expect(text.contains("micalg=\(digest.micalg); boundary=\"\(SampleEntity.boundary)\""))
            #expect(text.contains("Content-Type: application/pkcs7-signature; name=\"smime.p7s\""))
            #expect(hasOnlyCRLFLineEnds(signed))
            // The inner entity appears byte for byte between the delimiters.
            let part = "--\(SampleEntity.boundary)\r\n" + String(decoding: inner, as: UTF8.self) + "\r\n--"
            #expect(text.contains(part))

            let input = try fixtures.write(signed, named: "signed.eml")
            let output = fixtures.pki.path("verified-\(digest).bin")
            // Without -binary: see notes/swift-c-pitfalls.md (multipart/signed needs text mode or -crlfeol).
            try await TestPKI.openssl([
                "cms", "-verify", "-in", input, "-CAfile", fixtures.ca.certificatePath, "-out", output,
            ])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: output))) == inner)

            let printed = try await TestPKI.openssl(["cms", "-cmsout", "-print", "-in", input])
            #expect(String(decoding: printed, as: UTF8.self).contains("algorithm: \(digest.policyName) "))
        }

        @Test("an EC (ECDSA) signer works too and openssl verifies it")
        func ecSigner() async throws {
            let fixtures = try SMIMEFixtures.required()
            let identity = try SMIMESigningIdentity.load(
                certificatePEMFile: fixtures.carol.certificatePath, keyPEMFile: fixtures.carol.keyPath)
            #expect(identity.chain.isEmpty)
            let inner = SampleEntity.text()
            let signed = try SMIME.sign(inner, identity: identity, digest: .sha384, boundary: SampleEntity.boundary)
            let input = try fixtures.write(signed, named: "ec-signed.eml")
            let content = try await TestPKI.openssl([
                "cms", "-verify", "-in", input, "-CAfile", fixtures.ca.certificatePath,
            ])
            #expect([UInt8](content) == inner)
            let printed = String(
                decoding: try await TestPKI.openssl(["cms", "-cmsout", "-print", "-in", input]), as: UTF8.self)
            #expect(printed.contains("ecdsa-with-SHA384"))
        }

        @Test("a tampered signed message fails openssl and PosternSMIME verification")
        func tamperedSignatureFails() async throws {
            let fixtures = try SMIMEFixtures.required()
            let signed = try SMIME.sign(
                SampleEntity.text(), identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            let tampered = Array(
                String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "quarterly", with: "quarterlx").utf8)
            #expect(tampered != signed)

            let input = try fixtures.write(tampered, named: "tampered.eml")
            let result = try await ToolProcess.run(
                "/usr/bin/openssl",
                [
                    "cms", "-verify", "-in", input, "-CAfile", fixtures.ca.certificatePath,
                    "-out", "/dev/null",
                ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("verification failure"))

            let error = #expect(throws: SMIMEError.self) {
                try SMIME.verify(tampered, trust: try fixtures.trustStore())
            }
            #expect(error?.code == .verificationFailed)
            #expect(error?.openSSLErrors.isEmpty == false)
        }

        @Test("PosternSMIME verifies its own signature and names the signer")
        func verifyRoundTrip() throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text()
            let signed = try SMIME.sign(inner, identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            let verified = try SMIME.verify(signed, trust: try fixtures.trustStore())
            #expect(verified.content == inner)
            #expect(verified.signers.count == 1)
            #expect(verified.signers.first?.rfc822Names == ["sender@example.org"])
        }

        @Test("verification fails against another trust anchor and after the signer expired")
        func verifyNeedsTrustAndTime() throws {
            let fixtures = try SMIMEFixtures.required()
            let signed = try SMIME.sign(
                SampleEntity.text(), identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            let otherTrust = try SMIMETrustStore.only(caFile: fixtures.untrustedCA.certificatePath)
            #expect(throws: SMIMEError.self) { try SMIME.verify(signed, trust: otherTrust) }
            let future = Date().addingTimeInterval(20 * 365 * 86_400)
            #expect(throws: SMIMEError.self) { try SMIME.verify(signed, trust: try fixtures.trustStore(), at: future) }
        }

        @Test("the signer chain from the PEM file is included: verifies against the root alone")
        func chainIncluded() async throws {
            let fixtures = try SMIMEFixtures.required()
            let identity = try fixtures.senderIdentity()
            #expect(identity.chain.count == 1)
            #expect(identity.certificate.rfc822Names == ["sender@example.org"])
            let signed = try SMIME.sign(SampleEntity.text(), identity: identity, boundary: SampleEntity.boundary)
            let input = try fixtures.write(signed, named: "chain.eml")
            let certificates = fixtures.pki.path("chain-signers.pem")
            try await TestPKI.openssl([
                "cms", "-verify", "-in", input, "-CAfile", fixtures.ca.certificatePath, "-out", "/dev/null",
                "-certsout", certificates,
            ])
            let carried = try SMIMECertificate.load(pemFile: certificates)
            #expect(Set(carried.map(\.subject)) == [identity.certificate.subject, identity.chain[0].subject])
        }

        @Test("content holding a line that starts with the boundary is refused")
        func boundaryInContent() throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text("before\r\n--\(SampleEntity.boundary)--\r\nafter\r\n")
            let error = #expect(throws: SMIMEError.self) {
                try SMIME.sign(inner, identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            }
            #expect(error?.code == .boundaryInContent)
        }

        @Test(
            "non-canonical content is refused with its location",
            arguments: [
                ("a\nb\r\n", "bare LF at byte"),
                ("a\rb\r\n", "bare CR at byte"),
                ("ends with CR\r", "bare CR at byte"),
                (String(repeating: "x", count: 999) + "\r\n", "longer than 998 octets"),
            ])
        func nonCanonical(body: String, problem: String) throws {
            let fixtures = try SMIMEFixtures.required()
            let error = #expect(throws: SMIMEError.self) {
                try SMIME.sign(
                    SampleEntity.text(body), identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            }
            #expect(error?.code == .nonCanonicalContent)
            #expect(error?.message.contains(problem) == true, "\(String(describing: error))")
            // 998 octets is still fine.
            let longest = SampleEntity.text(String(repeating: "y", count: 998) + "\r\n")
            _ = try SMIME.sign(longest, identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
        }

        @Test(
            "invalid boundaries are refused",
            arguments: [
                "", String(repeating: "a", count: 71), "bad\"quote",
                "trailing ", "new\r\nline",
            ])
        func invalidBoundary(boundary: String) throws {
            let fixtures = try SMIMEFixtures.required()
            let error = #expect(throws: SMIMEError.self) {
                try SMIME.sign(SampleEntity.text(), identity: try fixtures.senderIdentity(), boundary: boundary)
            }
            #expect(error?.code == .invalidBoundary)
        }

        @Test("a passphrase-protected key is refused with a clear error, without prompting")
        func encryptedKeyRefused() async throws {
            let fixtures = try SMIMEFixtures.required()
            let passphraseFile = try fixtures.write(Array("test-passphrase\n".utf8), named: "pass.txt")
            let encryptedKey = fixtures.pki.path("sender-encrypted.key")
            try await TestPKI.openssl([
                "pkey", "-in", fixtures.sender.keyPath, "-aes256", "-passout", "file:\(passphraseFile)",
                "-out", encryptedKey,
            ])
            let error = #expect(throws: SMIMEError.self) {
                try SMIMESigningIdentity.load(
                    certificatePEMFile: fixtures.senderWithChainPath, keyPEMFile: encryptedKey)
            }
            #expect(error?.code == .encryptedPrivateKey)
            #expect(error?.message.contains(encryptedKey) == true)
        }

        @Test("a key that belongs to no certificate in the file is refused")
        func keyMismatch() throws {
            let fixtures = try SMIMEFixtures.required()
            let error = #expect(throws: SMIMEError.self) {
                try SMIMESigningIdentity.load(
                    certificatePEMFile: fixtures.senderWithChainPath, keyPEMFile: fixtures.alice.keyPath)
            }
            #expect(error?.code == .keyCertificateMismatch)
        }

        @Test("garbage instead of PEM is an invalid-pem error naming the source")
        func garbagePEM() throws {
            let error = #expect(throws: SMIMEError.self) {
                try SMIMECertificate.parse(pem: Array("-----BEGIN CERTIFICATE-----\nAAAA\n".utf8), source: "x.pem")
            }
            #expect(error?.code == .invalidPEM)
            #expect(error?.message.hasPrefix("x.pem") == true)
            #expect(throws: SMIMEError.self) { try SMIMEPrivateKey.parse(pem: Array("nothing".utf8)) }
        }
    }
}
