import Foundation
import Postern
import PosternPolicy
import PosternSMTP
import PosternTLS
import PosternTestSupport
import Testing

/// One hostile STARTTLS server behaviour and the violation it must produce.
struct StartTLSCase: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: String
    let alter: @Sendable (inout SMTPServerScript) -> Void
    var testDescription: String { name }
}

/// One bad certificate or TLS setting and its code.
enum CertificateCase: String, CaseIterable, Sendable {
    case expired, notYetValid, wrongName, selfSigned, unknownCA, otherKeyPinned, tls11Capped

    var expected: String {
        switch self {
        case .expired, .notYetValid: "certificate-expired"
        case .wrongName: "hostname-mismatch"
        case .selfSigned, .unknownCA: "certificate-untrusted"
        case .otherKeyPinned: "pin-mismatch"
        case .tls11Capped: "tls-version-too-low"
        }
    }

    func script(_ pki: TestPKI) -> SMTPServerScript {
        switch self {
        case .expired: Harness.implicitScript(pki.expired)
        case .notYetValid: Harness.implicitScript(pki.notYetValid)
        case .wrongName: Harness.implicitScript(pki.wrongName)
        case .selfSigned: Harness.implicitScript(pki.selfSigned)
        case .unknownCA: Harness.implicitScript(pki.unknownCA)
        case .otherKeyPinned: Harness.implicitScript(pki.otherKey)
        case .tls11Capped:
            {
                var script = Harness.implicitScript(pki.valid)
                script.maximumTLSVersion = .tlsv11
                return script
            }()
        }
    }

    func policy(_ pki: TestPKI) throws -> String? {
        switch self {
        case .otherKeyPinned:
            "postern-policy: 1\nname: pinned\ntransport:\n  pins: [\"\(try pki.valid.pin)\"]\n"
        default: nil
        }
    }
}

@Suite("Submissions the policy or the STARTTLS rules stop")
struct SubmissionViolationTests {
    static let startTLSCases: [StartTLSCase] = [
        StartTLSCase(name: "STARTTLS stripped from EHLO", expected: "starttls-unavailable") { $0.stripSTARTTLS = true },
        StartTLSCase(name: "STARTTLS refused with 454", expected: "starttls-unavailable") {
            $0.replies[PosternTestSupport.SMTPStep.startTLS] = .reply(
                "454 4.7.0 TLS not available due to local problem")
        },
        StartTLSCase(name: "STARTTLS refused with 502", expected: "starttls-unavailable") {
            $0.replies[PosternTestSupport.SMTPStep.startTLS] = .reply("502 5.5.1 Not implemented")
        },
        StartTLSCase(name: "STARTTLS refused with 501", expected: "starttls-unavailable") {
            $0.replies[PosternTestSupport.SMTPStep.startTLS] = .reply("501 5.5.4 Syntax error")
        },
        StartTLSCase(name: "fake 235 injected after the 220", expected: "response-injection") {
            $0.injectedAfterStartTLSReply = Array("235 2.7.0 Authentication successful\r\n".utf8)
        },
        StartTLSCase(name: "fake EHLO 250 injected after the 220", expected: "response-injection") {
            $0.injectedAfterStartTLSReply = Array("250-mail.test\r\n250 AUTH PLAIN\r\n".utf8)
        },
        StartTLSCase(name: "AUTH offered only before TLS", expected: "auth-mechanism-not-allowed") {
            $0.capabilitiesBeforeTLS = ["PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN"]
            $0.capabilitiesAfterTLS = ["PIPELINING", "SIZE 10240000", "8BITMIME"]
        },
    ]

    @Test("hostile STARTTLS servers: never a credential or a message byte", arguments: startTLSCases)
    func hostileStartTLS(_ testCase: StartTLSCase) async throws {
        try await withTestPKI { pki in
            var script = Harness.startTLSScript(pki.valid)
            testCase.alter(&script)
            let policy = try Harness.policy("postern-policy: 1\nname: starttls\ntransport:\n  security: [starttls]\n")
            try await withScriptedSMTPServer(script) { server in
                let report = await Harness.send(server, pki: pki, policy: policy, security: .starttls)
                let recording = server.recording
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.decision == .deny)
                #expect(report.violationCodes.first == testCase.expected, "\(report.violations)")
                #expect(!recording.contains(secret: Harness.password))
                #expect(!recording.sawMessageCanary)
                #expect(!recording.verbs.contains("AUTH"))
                #expect(!recording.verbs.contains("MAIL"))
                #expect(report.smtp?.accepted == [])
            }
        }
    }

    @Test(
        "certificates and TLS versions below the policy fail with their own code", arguments: CertificateCase.allCases)
    func badCertificates(_ testCase: CertificateCase) async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(testCase.script(pki)) { server in
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(try testCase.policy(pki)), security: .implicitTLS)
                let recording = server.recording
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.violationCodes == [testCase.expected], "\(report.violations)")
                #expect(report.violations.first?.stage == "tls")
                #expect(recording.tlsBytes.isEmpty, "no application data after a failed TLS check")
                #expect(!recording.contains(secret: Harness.password))
                #expect(!recording.sawMessageCanary)
            }
        }
    }

    @Test("a pin-mismatch names the rule and file:line that pinned")
    func pinProvenance() async throws {
        try await withTestPKI { pki in
            let yaml = "postern-policy: 1\nname: pinned\ntransport:\n  pins: [\"\(try pki.valid.pin)\"]\n"
            try await withScriptedSMTPServer(Harness.implicitScript(pki.otherKey)) { server in
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(yaml), security: nil)
                let violation = try #require(report.violations.first)
                #expect(violation.code == "pin-mismatch")
                #expect(violation.rule == "pinned")
                #expect(violation.source == "test.yaml:4")
            }
        }
    }

    @Test("plaintext: the policy decides before connecting, and AUTH never goes out unencrypted")
    func plaintextServer() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(SMTPServerScript(security: .plaintext)) { server in
                // Baseline, plaintext asked for: no connection at all.
                let asked = await Harness.send(server, pki: pki, policy: try Harness.policy(nil), security: .plaintext)
                #expect(asked.exitCode == .noPerm)
                #expect(asked.violationCodes == ["plaintext-not-allowed"])
                #expect(asked.transport == nil)
                #expect(server.recording.connections == 0)

                // Baseline, STARTTLS: the server does not offer it; nothing secret goes out.
                let starttls = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: .starttls)
                #expect(starttls.exitCode == .noPerm)
                #expect(starttls.violationCodes == ["starttls-unavailable"])

                // A policy that allows plaintext but refuses AUTH over it.
                let yaml =
                    "postern-policy: 1\nname: lan\ntransport:\n  security: [plaintext]\n  auth:\n    over-plaintext: refuse\n"
                let refused = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(yaml), security: .plaintext)
                #expect(refused.exitCode == .noPerm, "\(refused)")
                #expect(refused.violationCodes == ["auth-over-plaintext"])
                #expect(refused.violations.first?.rule == "lan")

                let recording = server.recording
                #expect(recording.connections == 2)
                #expect(!recording.contains(secret: Harness.password))
                #expect(!recording.sawMessageCanary)
                #expect(!recording.verbs.contains("AUTH"))
            }
        }
    }

    @Test(
        "decisions before connecting open no connection",
        arguments: [
            (
                "postern-policy: 1\nname: implicit-only\ntransport:\n  security: [implicit-tls]\n",
                SecurityMode.starttls, "implicit-tls-required"
            ),
            (
                "postern-policy: 1\nname: pinned-starttls\ntransport:\n  security: [starttls]\n  starttls:\n    require-pin: true\n",
                .starttls, "pin-required"
            ),
            (
                "postern-policy: 1\nname: senders\nenvelope:\n  senders: [\"*@example.net\"]\n", .implicitTLS,
                "sender-not-allowed"
            ),
            ("postern-policy: 1\nname: small\nmessage:\n  max-size: 100B\n", .implicitTLS, "message-too-large"),
            ("postern-policy: 1\nname: encrypt\nmessage:\n  encrypt: required\n", .implicitTLS, "encryption-required"),
        ] as [(String, SecurityMode, String)])
    func deniedBeforeConnecting(_ yaml: String, _ security: SecurityMode, _ expected: String) async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(yaml), security: security)
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.violationCodes.contains(expected), "\(report.violations)")
                #expect(server.recording.connections == 0)
                #expect(report.transport == nil)
            }
        }
    }

    @Test("a batch must satisfy every sender's rules: a later sender's pin rule is not skipped")
    func mixedSenderBatch() async throws {
        try await withTestPKI { pki in
            let yaml = """
                postern-policy: 1
                name: per-sender
                rules:
                  - name: board-pinned
                    when: { sender: "board@example.org" }
                    transport: { pins: ["\(try pki.otherKey.pin)"] }
                """
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let messages = [
                    Harness.message(sender: "alice@example.org"), Harness.message(sender: "board@example.org"),
                ]
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(yaml), security: nil, messages: messages)
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.violationCodes == ["pin-mismatch"])
                #expect(report.violations.first?.rule == "board-pinned")
                #expect(server.recording.messages.isEmpty)
                #expect(!server.recording.contains(secret: Harness.password))
            }
        }
    }

    @Test("STARTTLS to a certificate with the wrong name: hostname-mismatch, only EHLO and STARTTLS were sent")
    func startTLSWrongName() async throws {
        try await withTestPKI { pki in
            let policy = try Harness.policy("postern-policy: 1\nname: starttls\ntransport:\n  security: [starttls]\n")
            try await withScriptedSMTPServer(Harness.startTLSScript(pki.wrongName)) { server in
                let report = await Harness.send(server, pki: pki, policy: policy, security: nil)
                let recording = server.recording
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.violationCodes == ["hostname-mismatch"])
                #expect(recording.commandLines == ["EHLO localhost", "STARTTLS"])
                #expect(recording.tlsBytes.isEmpty)
                let pin = try pki.wrongName.pin
                #expect(report.transport?.certificate?.spkiSHA256 == pin.description)
                #expect(report.transport?.tlsVersion == nil)
            }
        }
    }

    @Test("implicit TLS to a plaintext port: tls-handshake-failed that says so, not a version error")
    func implicitTLSToPlaintextPort() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(SMTPServerScript(security: .plaintext)) { server in
                let report = await Harness.send(
                    server, pki: pki, policy: try Harness.policy(nil), security: .implicitTLS)
                #expect(report.exitCode == .noPerm, "\(report)")
                #expect(report.violationCodes == ["tls-handshake-failed"])
                #expect(report.violations.first?.message.contains("plaintext") == true)
                #expect(!server.recording.contains(secret: Harness.password))
                #expect(!server.recording.verbs.contains("EHLO"), "the client sent only a ClientHello")
            }
        }
    }
}
