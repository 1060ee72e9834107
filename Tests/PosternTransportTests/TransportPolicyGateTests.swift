import NIOSSL
import PosternPolicy
import PosternSMTP
import PosternTLS
import PosternTransport
import Testing

/// The checkpoints as pure functions: facts in, violations (with their rule) out.
@Suite("TransportPolicyGate")
struct TransportPolicyGateTests {
    static func gate(_ yaml: String?, authenticates: Bool = true) throws -> TransportPolicyGate {
        TransportPolicyGate(
            policy: try Harness.policy(yaml),
            context: SendContext(sender: "alice@example.org", recipients: ["bob@example.org"], server: "mail.test"),
            authenticates: authenticates)
    }

    @Test(
        "the mode before connecting",
        arguments: [
            (nil, nil, SecurityMode.implicitTLS, nil),
            (nil, .starttls, .starttls, nil),
            (nil, .plaintext, nil, "plaintext-not-allowed"),
            (
                "postern-policy: 1\nname: p\ntransport:\n  security: [implicit-tls]\n", .starttls, nil,
                "implicit-tls-required"
            ),
            ("postern-policy: 1\nname: p\ntransport:\n  security: [starttls, implicit-tls]\n", nil, .starttls, nil),
            (
                "postern-policy: 1\nname: p\ntransport:\n  starttls:\n    require-pin: true\n", .starttls, nil,
                "pin-required"
            ),
        ] as [(String?, SecurityMode?, SecurityMode?, String?)])
    func connectionMode(_ yaml: String?, _ requested: SecurityMode?, _ expected: SecurityMode?, _ code: String?) throws
    {
        var gate = try Self.gate(yaml)
        let (mode, violations) = gate.connectionMode(requested: requested)
        #expect(mode == expected)
        #expect(violations.map(\.code.rawValue) == (code.map { [$0] } ?? []))
        #expect(violations.allSatisfy { $0.stage == .connect })
    }

    @Test("TLS 1.2 negotiated under min-tls 1.3 names the rule and its line")
    func versionTooLow() throws {
        var gate = try Self.gate("postern-policy: 1\nname: modern\ntransport:\n  min-tls: \"1.3\"\n")
        _ = gate.connectionMode(requested: .implicitTLS)
        let violations = gate.tlsViolations(negotiated: .tlsv12, assessment: nil, layerFindings: [])
        let first = try #require(violations.first { $0.code == .tlsVersionTooLow })
        #expect(first.rule == "modern")
        #expect(first.source == "test.yaml:4")
    }

    @Test("a failed handshake keeps the TLS layer's specific code and borrows the policy's provenance")
    func handshakeFailure() throws {
        var gate = try Self.gate(nil)
        _ = gate.connectionMode(requested: .implicitTLS)
        let violations = gate.handshakeFailureViolations(
            findings: [TLSFinding(code: .certificateExpired, message: "expired yesterday")], assessment: nil)
        #expect(violations.map(\.code) == [.certificateExpired])
        #expect(violations.first?.message == "expired yesterday")
        #expect(violations.first?.rule == "rfc8314-baseline")
        #expect(violations.first?.stage == .tls)
    }

    @Test("EHLO on an unencrypted connection with credentials: auth-over-plaintext, nothing else")
    func ehloPlaintext() throws {
        var gate = try Self.gate("postern-policy: 1\nname: lan\ntransport:\n  security: [plaintext]\n")
        _ = gate.connectionMode(requested: .plaintext)
        let reply = SMTPReply(code: 250, lines: [Array("mail.test".utf8), Array("AUTH CRAM-MD5".utf8)])
        let facts = SMTPEHLOFacts(
            capabilities: SMTPCapabilities(ehloReply: reply), tlsActive: false, upgradedWithSTARTTLS: false)
        #expect(gate.ehloViolations(facts).map(\.code) == [.authOverPlaintext])
        let anonymous = try Self.gate(
            "postern-policy: 1\nname: lan\ntransport:\n  security: [plaintext]\n", authenticates: false)
        #expect(anonymous.ehloViolations(facts).isEmpty)
    }

    @Test("AUTH with a mechanism outside the policy's list is refused, naming the rule")
    func authMechanism() throws {
        var gate = try Self.gate(
            "postern-policy: 1\nname: scram-only\ntransport:\n  auth:\n    mechanisms: [SCRAM-SHA-256]\n")
        _ = gate.connectionMode(requested: nil)
        let denied = gate.authViolations(
            SMTPAuthFacts(mechanism: "PLAIN", offeredMechanisms: ["PLAIN"], tlsActive: true))
        #expect(denied.map(\.code) == [.authMechanismNotAllowed])
        #expect(denied.first?.rule == "scram-only")
        let allowed = gate.authViolations(
            SMTPAuthFacts(mechanism: "SCRAM-SHA-256", offeredMechanisms: ["PLAIN", "SCRAM-SHA-256"], tlsActive: true))
        #expect(allowed.isEmpty)
        #expect(gate.allowedAuthMechanisms == ["SCRAM-SHA-256"])
    }

    @Test("the envelope checkpoint judges sender, recipients, size and protection per transaction")
    func envelope() throws {
        let gate = try Self.gate(
            """
            postern-policy: 1
            name: corp
            message:
              max-size: 1KiB
            envelope:
              senders: ["*@example.org"]
              recipients:
                deny: ["*@evil.example"]
            rules:
              - name: sign-external
                when: { recipient-not: ["*@example.org"] }
                message: { sign: required }
            """)
        let ok = try SubmissionJob(
            sender: "alice@example.org", recipients: ["bob@example.org"], body: MessageBody(bytes: Array("x\r\n".utf8)))
        #expect(gate.envelopeViolations(ok).isEmpty)
        let external = try SubmissionJob(
            sender: "alice@example.org", recipients: ["x@partner.example"], body: MessageBody(bytes: [65]))
        #expect(gate.envelopeViolations(external).map(\.code) == [.signingRequired])
        var signed = external
        signed.protection = ProtectionFacts(signed: .smime, signingKeyAvailable: true)
        #expect(gate.envelopeViolations(signed).isEmpty)
        let denied = try SubmissionJob(
            sender: "mallory@example.net", recipients: ["eve@evil.example"],
            body: MessageBody(bytes: [UInt8](repeating: 65, count: 2048)))
        let codes = Set(gate.envelopeViolations(denied).map(\.code))
        #expect(codes.isSuperset(of: [.senderNotAllowed, .recipientNotAllowed, .messageTooLarge]))
    }
}
