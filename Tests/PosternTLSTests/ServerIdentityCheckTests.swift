import Foundation
import PosternTLS
import PosternTestSupport
import Testing
import X509

/// The certificate decision without a network: the same chains a server would present, assessed directly.
@Suite("Server identity check")
struct ServerIdentityCheckTests {
    static func anchors(_ pki: TestPKI) throws -> TrustAnchors {
        // The real system store plus the test CA, as `--ca-file` would give.
        try TrustAnchors.load(extraCAFile: pki.caFilePath)
    }

    static func assess(
        _ identity: TestIdentity, pki: TestPKI, serverName: String = "localhost", mode: CertificateMode = .verify,
        pins: [[SPKIPin]] = [], at time: Date? = nil
    ) async throws -> CertificateAssessment {
        let requirements = CertificateRequirements(
            serverName: serverName, mode: mode, pinSets: pins, trustAnchors: try anchors(pki))
        return await ServerIdentityCheck(requirements: requirements)
            .assess(peerChain: identity.chain, now: time ?? pki.now)
    }

    @Test("a CA-issued certificate with the right names verifies, for DNS names and the IP SAN")
    func validVerifies() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for name in ["localhost", "mail.test", "MAIL.TEST", "127.0.0.1"] {
                let assessment = try await Self.assess(pki.valid, pki: pki, serverName: name)
                #expect(assessment.findings == [], "\(name)")
                let facts = try #require(assessment.facts)
                #expect(facts.verified)
                #expect(facts.leafPin == (try pki.valid.pin))
                #expect(facts.verifiedChainPins == [try pki.valid.pin, try pki.intermediate.pin, try pki.root.pin])
                #expect(facts.subject.contains("valid.server.test"))
            }
        }
    }

    @Test("each bad certificate gets its own code")
    func badCertificates() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let table: [(TestIdentity, [TLSFindingCode])] = [
                (pki.expired, [.certificateExpired]),
                (pki.notYetValid, [.certificateExpired]),
                (pki.wrongName, [.hostnameMismatch]),
                (pki.clientAuthOnly, [.certificateUntrusted]),
                (pki.selfSigned, [.certificateUntrusted]),
                (pki.unknownCA, [.certificateUntrusted]),
            ]
            for (identity, codes) in table {
                let assessment = try await Self.assess(identity, pki: pki)
                #expect(assessment.codes == codes, "\(identity.name): \(assessment.findings)")
                #expect(assessment.facts?.verified == false)
            }
        }
    }

    @Test("without the test CA as an anchor the valid certificate is untrusted")
    func systemStoreAlone() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let requirements = CertificateRequirements(
                serverName: "localhost", mode: .verify, trustAnchors: try TrustAnchors.load())
            let assessment = await ServerIdentityCheck(requirements: requirements)
                .assess(peerChain: pki.valid.chain, now: pki.now)
            #expect(assessment.codes == [.certificateUntrusted])
        }
    }

    @Test("the injected time decides expiry")
    func injectedTime() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let later = pki.now.addingTimeInterval(60 * 86_400)
            #expect(try await Self.assess(pki.valid, pki: pki, at: later).codes == [.certificateExpired])
            let earlier = pki.now.addingTimeInterval(-20 * 86_400)
            #expect(try await Self.assess(pki.expired, pki: pki, at: earlier).codes == [])
        }
    }

    @Test("a name the certificate lacks is a mismatch, also for an IP it does not carry")
    func nameMismatch() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for name in ["smtp.example.org", "127.0.0.2", "::1", "localhost.example"] {
                #expect(
                    try await Self.assess(pki.valid, pki: pki, serverName: name).codes == [.hostnameMismatch], "\(name)"
                )
            }
        }
    }

    @Test("verify mode: a pin may match the leaf, the intermediate or the anchor of the verified chain")
    func verifyModePins() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for pin in [try pki.valid.pin, try pki.intermediate.pin, try pki.root.pin] {
                #expect(try await Self.assess(pki.valid, pki: pki, pins: [[pin]]).codes == [])
            }
            let wrong = try pki.otherKey.pin
            #expect(try await Self.assess(pki.valid, pki: pki, pins: [[wrong]]).codes == [.pinMismatch])
            // Each non-empty set must be matched; empty sets are ignored.
            let both = [[try pki.root.pin], [wrong], []]
            #expect(try await Self.assess(pki.valid, pki: pki, pins: both).codes == [.pinMismatch])
            let either = [[wrong, try pki.valid.pin], []]
            #expect(try await Self.assess(pki.valid, pki: pki, pins: either).codes == [])
        }
    }

    @Test("verify mode: a pin of an unverified chain never rescues it")
    func pinDoesNotRescueUntrusted() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let assessment = try await Self.assess(pki.selfSigned, pki: pki, pins: [[try pki.selfSigned.pin]])
            #expect(assessment.codes == [.certificateUntrusted])
        }
    }

    @Test("pin-only: the leaf's key is the identity; chain, name and validity are not checked")
    func pinOnly() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for identity in [pki.selfSigned, pki.unknownCA, pki.wrongName, pki.expired] {
                let ok = try await Self.assess(
                    identity, pki: pki, serverName: "anything.example", mode: .pinOnly, pins: [[try identity.pin]])
                #expect(ok.codes == [], "\(identity.name)")
                #expect(ok.facts?.verified == false)
            }
            // Only the leaf counts: the intermediate's pin does not identify the server.
            let intermediate = try await Self.assess(
                pki.valid, pki: pki, mode: .pinOnly, pins: [[try pki.intermediate.pin]])
            #expect(intermediate.codes == [.pinMismatch])
            let wrong = try await Self.assess(pki.selfSigned, pki: pki, mode: .pinOnly, pins: [[try pki.valid.pin]])
            #expect(wrong.codes == [.pinMismatch])
            let none = try await Self.assess(pki.valid, pki: pki, mode: .pinOnly, pins: [])
            #expect(none.codes == [.pinMismatch])
        }
    }

    @Test("no certificate or garbage is untrusted, never acceptable")
    func emptyOrGarbage() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let requirements = CertificateRequirements(
                serverName: "localhost", mode: .pinOnly, pinSets: [[try pki.valid.pin]],
                trustAnchors: try Self.anchors(pki))
            let check = ServerIdentityCheck(requirements: requirements)
            #expect(await check.assess(peerChain: [], now: pki.now).codes == [.certificateUntrusted])
            #expect(
                await check.assess(peerChainDER: [[0x30, 0x03, 0x02, 0x01, 0x01]], now: pki.now).codes == [
                    .certificateUntrusted
                ])
        }
    }

    @Test("server names: IP literals are not SNI, DNS names are")
    func serverNames() {
        #expect(ServerName("127.0.0.1") == .ipAddress("127.0.0.1"))
        #expect(ServerName("[::1]") == .ipAddress("::1"))
        #expect(ServerName("mail.test") == .dns("mail.test"))
        #expect(ServerName("127.0.0.1").sniHostname == nil)
        #expect(ServerName("mail.test").sniHostname == "mail.test")
    }
}
