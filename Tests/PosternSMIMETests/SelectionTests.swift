import Foundation
import PosternSMIME
import Testing

extension SMIMETests {
    @Suite struct RecipientSelection {
        /// What the selector must say for an address; `usable` names the certificate's SAN.
        struct Expectation: Sendable, CustomTestStringConvertible {
            let address: String
            let usable: String?
            let code: String?
            let reason: String?

            static func usable(_ address: String, as name: String) -> Self {
                Self(address: address, usable: name, code: nil, reason: nil)
            }
            static func missing(_ address: String) -> Self {
                Self(address: address, usable: nil, code: "recipient-key-missing", reason: "subjectAltName")
            }
            static func invalid(_ address: String, _ reason: String) -> Self {
                Self(address: address, usable: nil, code: "recipient-key-invalid", reason: reason)
            }
            var testDescription: String { "\(address) → \(usable ?? code ?? "?")" }
        }

        static let table: [Expectation] = [
            .usable("alice@example.org", as: "alice@example.org"),
            .usable("alice@EXAMPLE.Org", as: "alice@example.org"),  // domain is case-insensitive
            .missing("Alice@example.org"),  // local part is case-sensitive
            .usable("carol@example.org", as: "carol@example.org"),  // EC with keyAgreement only
            .invalid("expired@example.org", "expired on 2021-01-01"),
            .missing("wrongsan@example.org"),
            .missing("dnonly@example.org"),  // only in the subject DN
            .invalid("weak@example.org", "RSA-1024 key is weaker than the minimum of 2048 bits"),
            .invalid("signonly@example.org", "does not allow keyEncipherment"),
            .invalid("untrusted@example.org", "does not chain to a trust anchor"),
            .invalid("wrongeku@example.org", "does not include emailProtection"),
            .missing("nobody@example.org"),
            .missing("alice@example.org.evil"),
        ]

        @Test("each address gets a usable certificate or the right CONTRACT §4 code", arguments: table)
        func selection(expectation: Expectation) throws {
            let fixtures = try SMIMEFixtures.required()
            let selector = SMIMERecipientSelector(trust: try fixtures.trustStore())
            let selection = try selector.select(
                addresses: [expectation.address], certificateDirectory: fixtures.recipientDirectory)
            #expect(selection.results.count == 1)
            switch try #require(selection.results.first) {
            case .usable(let certificate):
                #expect(certificate.rfc822Names == [expectation.usable].compactMap { $0 })
                #expect(expectation.code == nil)
            case .finding(let finding):
                #expect(finding.code == expectation.code)
                #expect(finding.address == expectation.address)
                #expect(finding.reason.contains(expectation.reason ?? "\u{0}"), "\(finding.reason)")
            }
            #expect(selection.skippedFiles.count == 1)
            #expect(selection.skippedFiles.first?.contains("notes.pem") == true)
        }

        @Test("several addresses keep their order; the usable certificates encrypt for openssl")
        func selectionFeedsEncryption() async throws {
            let fixtures = try SMIMEFixtures.required()
            let selector = SMIMERecipientSelector(trust: try fixtures.trustStore())
            let selection = try selector.select(
                addresses: ["bob@example.org", "weak@example.org", "carol@example.org"],
                certificateDirectory: fixtures.recipientDirectory)
            #expect(selection.certificates.flatMap(\.rfc822Names) == ["bob@example.org", "carol@example.org"])
            #expect(selection.findings.map(\.address) == ["weak@example.org"])

            let inner = SampleEntity.text()
            let input = try fixtures.write(try SMIME.encrypt(inner, to: selection.certificates), named: "sel.eml")
            let output = try await TestPKI.openssl([
                "cms", "-decrypt", "-in", input, "-recip", fixtures.bob.certificatePath, "-inkey", fixtures.bob.keyPath,
            ])
            #expect([UInt8](output) == inner)
        }

        @Test("the time is injectable: a good certificate is expired twenty years from now")
        func injectedTime() throws {
            let fixtures = try SMIMEFixtures.required()
            let selector = SMIMERecipientSelector(trust: try fixtures.trustStore())
            let selection = try selector.select(
                addresses: ["alice@example.org"], certificateDirectory: fixtures.recipientDirectory,
                at: Date().addingTimeInterval(20 * 365 * 86_400))
            #expect(selection.findings.first?.code == SMIMERecipientFinding.invalid)
            #expect(selection.findings.first?.reason.contains("expired on") == true)
            let past = try selector.select(
                addresses: ["alice@example.org"], certificateDirectory: fixtures.recipientDirectory,
                at: Date().addingTimeInterval(-86_400))
            #expect(past.findings.first?.reason.contains("not valid before") == true)
        }

        @Test("min-rsa-bits is honoured")
        func minimumRSABits() throws {
            let fixtures = try SMIMEFixtures.required()
            let selector = SMIMERecipientSelector(trust: try fixtures.trustStore(), minimumRSABits: 3072)
            let selection = try selector.select(
                addresses: ["alice@example.org", "carol@example.org"],
                certificateDirectory: fixtures.recipientDirectory)
            #expect(selection.findings.map(\.address) == ["alice@example.org"])
            #expect(selection.findings.first?.reason.contains("RSA-2048") == true)
        }

        @Test("without the CA in the trust store nothing is usable")
        func untrustedWithoutAnchor() throws {
            let fixtures = try SMIMEFixtures.required()
            let selector = SMIMERecipientSelector(
                trust: SMIMETrustStore(anchors: [], includesSystemAnchors: false))
            let selection = try selector.select(
                addresses: ["alice@example.org"], certificateDirectory: fixtures.recipientDirectory)
            #expect(selection.findings.first?.code == "recipient-key-invalid")
        }

        @Test("the signer is checked too: valid now, expired later, untrusted elsewhere, weak key refused")
        func signerValidation() throws {
            let fixtures = try SMIMEFixtures.required()
            let validator = SMIMECertificateValidator(trust: try fixtures.trustStore())
            let sender = try fixtures.senderIdentity()
            #expect(validator.signingProblem(with: sender) == nil)
            let later = validator.signingProblem(with: sender, at: Date().addingTimeInterval(20 * 365 * 86_400))
            #expect(later?.contains("expired on") == true)
            let elsewhere = SMIMECertificateValidator(
                trust: try SMIMETrustStore.only(caFile: fixtures.untrustedCA.certificatePath))
            #expect(elsewhere.signingProblem(with: sender)?.contains("does not chain") == true)
            // Without its chain the sender's certificate cannot reach the root.
            let bare = try SMIMESigningIdentity(certificate: sender.certificate, key: sender.key)
            #expect(validator.signingProblem(with: bare)?.contains("does not chain") == true)

            let weakPath = fixtures.pki.path("weak.pem")
            let weak = try SMIMESigningIdentity.load(
                certificatePEMFile: weakPath, keyPEMFile: fixtures.pki.path("weak.key"))
            #expect(validator.signingProblem(with: weak)?.contains("RSA-1024") == true)
            // A certificate that only signs cannot be encrypted to, but can sign.
            let signOnly = try SMIMESigningIdentity.load(
                certificatePEMFile: fixtures.pki.path("signonly.pem"), keyPEMFile: fixtures.pki.path("signonly.key"))
            #expect(validator.signingProblem(with: signOnly) == nil)
            #expect(validator.encryptionProblem(with: signOnly.certificate)?.contains("keyEncipherment") == true)
        }

        @Test("a missing certificate directory is an io error")
        func missingDirectory() throws {
            let selector = SMIMERecipientSelector(trust: SMIMETrustStore(includesSystemAnchors: false))
            let error = #expect(throws: SMIMEError.self) {
                try selector.select(addresses: ["a@b.example"], certificateDirectory: "/nonexistent/postern-certs")
            }
            #expect(error?.code == .io)
        }
    }
}
