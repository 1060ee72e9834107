import Foundation
import Testing

@testable import PosternPolicy

@Suite struct EvaluateTests {
    static let pinA = "sha256//F265CNlFZNTCrI02k+L09vwK5BUnubP6O1Gr6MO2UZE="
    static let pinB = "sha256//BTt+asFlqEcXsZcg6Xqlnnx6SAvvdJx00g5Ik6FcVi8="

    func policy(_ yaml: String, file: String = "p.yaml") throws -> CompiledPolicy {
        CompiledPolicy(layers: [try document(yaml, file: file)])
    }

    func codes(_ decision: Decision) -> [ViolationCode] { decision.violations.map(\.code) }

    var goodTLS: Facts {
        var facts = Facts()
        facts.tlsVersion = .tls13
        facts.certificateTrusted = true
        facts.certificateExpired = false
        facts.hostnameMatches = true
        facts.connectionEncrypted = true
        return facts
    }

    let context = SendContext(
        sender: "alice@example.org", recipients: ["bob@example.org"], server: "smtp.example.org:465")

    @Test func baselineAllowsAVerifiedConnection() throws {
        let baseline = CompiledPolicy(layers: [])
        #expect(baseline.layerFiles == ["<built-in baseline>"])
        for stage in Stage.allCases {
            #expect(baseline.evaluate(stage, facts: goodTLS, context: context) == .allow, "\(stage)")
        }
    }

    @Test func connectModes() throws {
        let implicitOnly = try policy(headerYAML + "transport:\n  security: [implicit-tls]\n")
        var facts = Facts()
        facts.requestedSecurity = .starttls
        let denied = implicitOnly.evaluate(.connect, facts: facts, context: context)
        #expect(codes(denied) == [.implicitTLSRequired])
        #expect(denied.violations.first?.source == "p.yaml:4")
        #expect(denied.violations.first?.rule == "t")
        #expect(denied.violations.first?.stage == .connect)
        facts.requestedSecurity = .plaintext
        #expect(codes(implicitOnly.evaluate(.connect, facts: facts, context: context)) == [.plaintextNotAllowed])
        facts.requestedSecurity = nil
        #expect(implicitOnly.evaluate(.connect, facts: facts, context: context) == .allow)
        #expect(implicitOnly.resolve(context).securityMode(requested: nil) == .implicitTLS)
        #expect(implicitOnly.resolve(context).securityMode(requested: .starttls) == nil)

        let starttlsOnly = try policy(headerYAML + "transport:\n  security: [starttls]\n")
        facts.requestedSecurity = .implicitTLS
        #expect(codes(starttlsOnly.evaluate(.connect, facts: facts, context: context)) == [.securityModeNotAllowed])
    }

    @Test func starttlsNeedsAPinWhenRequired() throws {
        let yaml =
            headerYAML + """
                transport:
                  security: [starttls]
                  starttls: { require-pin: true }
                rules:
                  - name: partner-pinned
                    when: { server: "smtp.partner.example" }
                    transport: { pins: ["\(Self.pinA)"] }
                """
        let compiled = try policy(yaml)
        let noPin = compiled.evaluate(.connect, facts: Facts(), context: context)
        #expect(codes(noPin) == [.pinRequired])
        #expect(noPin.violations.first?.source == "p.yaml:5")
        let partner = SendContext(
            sender: "alice@example.org", recipients: ["x@partner.example"], server: "smtp.partner.example")
        #expect(compiled.evaluate(.connect, facts: Facts(), context: partner) == .allow)
        var tls = goodTLS
        tls.leafPin = SPKIPin(Self.pinB)
        let mismatch = compiled.evaluate(.tls, facts: tls, context: partner)
        #expect(codes(mismatch) == [.pinMismatch])
        #expect(mismatch.violations.first?.rule == "partner-pinned")
        #expect(mismatch.violations.first?.source == "p.yaml:9")
        tls.chainPins = [try #require(SPKIPin(Self.pinA))]
        #expect(compiled.evaluate(.tls, facts: tls, context: partner) == .allow, "verify mode: a chain pin may match")
    }

    @Test func pinOnlyChecksTheLeafAloneAndSkipsTheChain() throws {
        let compiled = try policy(headerYAML + "transport:\n  certificate: pin-only\n  pins: [\"\(Self.pinA)\"]\n")
        var facts = Facts()
        facts.tlsVersion = .tls12
        facts.certificateTrusted = false
        facts.hostnameMatches = false
        facts.leafPin = SPKIPin(Self.pinA)
        #expect(compiled.evaluate(.tls, facts: facts, context: context) == .allow)
        facts.leafPin = SPKIPin(Self.pinB)
        facts.chainPins = [try #require(SPKIPin(Self.pinA))]
        #expect(codes(compiled.evaluate(.tls, facts: facts, context: context)) == [.pinMismatch])
        let unpinned = try policy(headerYAML + "transport:\n  certificate: pin-only\n")
        #expect(codes(unpinned.evaluate(.connect, facts: Facts(), context: context)) == [.pinRequired])
    }

    @Test func aRuleCannotRelaxVerifyToPinOnly() throws {
        let compiled = try policy(
            headerYAML + "rules:\n  - name: relax\n    transport: { certificate: pin-only, pins: [\"\(Self.pinA)\"] }\n"
        )
        let resolved = compiled.resolve(context)
        #expect(resolved.verifiesCertificateChain && resolved.pinsMatchLeafOnly)
        var facts = goodTLS
        facts.leafPin = SPKIPin(Self.pinA)
        facts.certificateTrusted = false
        #expect(codes(resolved.evaluate(.tls, facts: facts)) == [.certificateUntrusted])
    }

    @Test func everyPinningPartMustBeMatched() throws {
        let first = try document(headerYAML + "transport:\n  pins: [\"\(Self.pinA)\"]\n", file: "one.yaml")
        let second = try document(
            "postern-policy: 1\nname: two\ntransport:\n  pins: [\"\(Self.pinB)\"]\n", file: "two.yaml")
        let compiled = CompiledPolicy(layers: [first, second])
        var facts = goodTLS
        facts.leafPin = SPKIPin(Self.pinA)
        let decision = compiled.evaluate(.tls, facts: facts, context: context)
        #expect(codes(decision) == [.pinMismatch])
        #expect(decision.violations.first?.source == "two.yaml:4")
        facts.chainPins = [try #require(SPKIPin(Self.pinB))]
        #expect(compiled.evaluate(.tls, facts: facts, context: context) == .allow)
    }

    @Test func tlsChecks() throws {
        let compiled = try policy(headerYAML + "transport:\n  min-tls: \"1.3\"\n")
        var facts = goodTLS
        facts.tlsVersion = .tls12
        facts.certificateTrusted = false
        facts.certificateExpired = true
        facts.hostnameMatches = false
        facts.preTLSBytesSeen = true
        let decision = compiled.evaluate(.tls, facts: facts, context: context)
        #expect(
            codes(decision) == [
                .responseInjection, .tlsVersionTooLow, .certificateUntrusted, .certificateExpired, .hostnameMismatch,
            ])
        #expect(decision.violations[1].source == "p.yaml:4")
        var unknown = Facts()
        unknown.tlsVersion = .tls13
        #expect(
            codes(compiled.evaluate(.tls, facts: unknown, context: context)) == [
                .certificateUntrusted, .hostnameMismatch,
            ],
            "unknown trust and host name fail closed")
        var failed = Facts()
        failed.tlsHandshakeFailed = true
        #expect(codes(compiled.evaluate(.tls, facts: failed, context: context)) == [.tlsHandshakeFailed])
    }

    @Test func ehloAndAuth() throws {
        let compiled = try policy(
            headerYAML + "transport:\n  security: [starttls, implicit-tls]\n  auth: { mechanisms: [SCRAM-SHA-256] }\n")
        var facts = Facts()
        facts.activeSecurity = .starttls
        facts.starttlsOffered = false
        facts.authRequested = true
        facts.authMechanismsOffered = [.plain, .login]
        #expect(
            codes(compiled.evaluate(.ehlo, facts: facts, context: context)) == [
                .starttlsUnavailable, .authMechanismNotAllowed,
            ])
        facts.connectionEncrypted = false
        facts.authMechanismChosen = .plain
        #expect(
            codes(compiled.evaluate(.auth, facts: facts, context: context)) == [
                .authOverPlaintext, .authMechanismNotAllowed,
            ])
        facts.connectionEncrypted = true
        facts.authMechanismChosen = .scramSHA256
        #expect(compiled.evaluate(.auth, facts: facts, context: context) == .allow)
        #expect(compiled.resolve(context).allowedAuthMechanisms == [.scramSHA256])
    }

    @Test func authOverPlaintextNeedsEveryLayerToAllowIt() throws {
        let lab = try document(
            headerYAML + "transport:\n  security: [plaintext]\n  auth: { over-plaintext: allow }\n", file: "lab.yaml")
        var facts = Facts()
        facts.connectionEncrypted = false
        #expect(CompiledPolicy(layers: [lab]).evaluate(.auth, facts: facts, context: context) == .allow)
        let org = try document("postern-policy: 1\nname: org\ntransport:\n  security: [plaintext]\n", file: "org.yaml")
        let decision = CompiledPolicy(layers: [lab, org]).evaluate(.auth, facts: facts, context: context)
        #expect(codes(decision) == [.authOverPlaintext])
        #expect(decision.violations.first?.rule == "org")
    }

    @Test func envelopeChecks() throws {
        let compiled = try policy(
            headerYAML
                + "envelope:\n  senders: [\"*@example.org\"]\n  recipients:\n    allow: [\"*.example.org\", \"example.org\"]\n    deny: [\"ceo@example.org\"]\n"
        )
        #expect(compiled.evaluate(.envelope, facts: Facts(), context: context) == .allow)
        let bad = SendContext(
            sender: "mallory@evil.test", recipients: ["bob@example.org", "x@other.test", "CEO@example.org"],
            server: "smtp.example.org")
        let decision = compiled.evaluate(.envelope, facts: Facts(), context: bad)
        #expect(codes(decision) == [.senderNotAllowed, .recipientNotAllowed, .recipientNotAllowed])
        #expect(decision.violations[1].message.contains("x@other.test"))
        #expect(decision.violations[2].source == "p.yaml:7")
        let noSender = SendContext(recipients: ["bob@example.org"], server: "smtp.example.org")
        #expect(codes(compiled.evaluate(.envelope, facts: Facts(), context: noSender)) == [.senderNotAllowed])
        #expect(compiled.evaluate(.policy, facts: Facts(), context: noSender) == .allow)
    }

    @Test func perRecipientRulesMeetAcrossAllRecipients() throws {
        let compiled = try policy(
            headerYAML + """
                rules:
                  - name: encrypt-external
                    when: { recipient-not: ["*@example.org"] }
                    message: { encrypt: required }
                """)
        let inside = SendContext(
            sender: "alice@example.org", recipients: ["bob@example.org"], server: "smtp.example.org")
        let mixed = SendContext(
            sender: "alice@example.org", recipients: ["bob@example.org", "partner@example.test"],
            server: "smtp.example.org")
        #expect(compiled.evaluate(.protection, facts: Facts(), context: inside) == .allow)
        let decision = compiled.evaluate(.protection, facts: Facts(), context: mixed)
        #expect(codes(decision) == [.encryptionRequired])
        #expect(decision.violations.first?.rule == "encrypt-external")
        #expect(decision.violations.first?.source == "p.yaml:6")
        var facts = Facts()
        facts.requestedEncrypt = .smime
        facts.recipientsWithoutKey = ["bob@example.org"]
        let missing = compiled.evaluate(.protection, facts: facts, context: mixed)
        #expect(codes(missing) == [.recipientKeyMissing])
        #expect(missing.violations.first?.message.contains("bob@example.org") == true)
    }

    @Test func protectionChecks() throws {
        let compiled = try policy(
            headerYAML + """
                message:
                  sign: required
                  formats: [smime]
                  smime: { cipher: [aes-256-gcm], digest: [sha384], min-rsa-bits: 3072 }
                """)
        var facts = Facts()
        #expect(codes(compiled.evaluate(.protection, facts: facts, context: context)) == [.signingRequired])
        facts.requestedSign = .openpgp
        #expect(codes(compiled.evaluate(.protection, facts: facts, context: context)) == [.formatNotAllowed])
        facts.requestedSign = .smime
        facts.requestedEncrypt = .smime
        facts.signingKeyAvailable = false
        facts.smimeCipher = .aes256CBC
        facts.smimeDigest = .sha256
        facts.weakestRSABits = 2048
        facts.recipientsWithInvalidKey = ["bob@example.org"]
        #expect(
            codes(compiled.evaluate(.protection, facts: facts, context: context))
                == [
                    .signingKeyMissing, .recipientKeyInvalid, .cipherNotAllowed, .cipherNotAllowed,
                    .recipientKeyInvalid,
                ])
        facts.signingKeyAvailable = true
        facts.smimeCipher = .aes256GCM
        facts.smimeDigest = .sha384
        facts.weakestRSABits = 4096
        facts.recipientsWithInvalidKey = []
        #expect(compiled.evaluate(.protection, facts: facts, context: context) == .allow)
    }

    @Test func forbiddenProtectionAndConflicts() throws {
        let forbidding = try document(headerYAML + "message:\n  encrypt: forbidden\n", file: "no-crypto.yaml")
        var facts = Facts()
        facts.requestedEncrypt = .openpgp
        #expect(
            codes(CompiledPolicy(layers: [forbidding]).evaluate(.protection, facts: facts, context: context)) == [
                .formatNotAllowed
            ])
        let requiring = try document(
            "postern-policy: 1\nname: crypto\nmessage:\n  encrypt: required\n", file: "crypto.yaml")
        let both = CompiledPolicy(layers: [forbidding, requiring])
        let decision = both.evaluate(.policy, facts: Facts(), context: context)
        #expect(codes(decision) == [.policyConflict])
        #expect(
            decision.violations.first?.message.contains("policy 'crypto' requires encryption and policy 't' forbids it")
                == true)
        #expect(both.resolve(context).encryptLevel == .conflict)
        #expect(codes(both.evaluate(.protection, facts: facts, context: context)) == [.policyConflict])
    }

    @Test func sizeLimit() throws {
        let compiled = try policy(headerYAML + "message:\n  max-size: 1KiB\n")
        var facts = Facts()
        facts.messageSize = 1024
        #expect(compiled.evaluate(.data, facts: facts, context: context) == .allow)
        facts.messageSize = 1025
        #expect(codes(compiled.evaluate(.data, facts: facts, context: context)) == [.messageTooLarge])
        #expect(codes(compiled.evaluate(.envelope, facts: facts, context: context)) == [.messageTooLarge])
    }

    @Test func serverRulesMatchHostWithoutPortAndIgnoreOtherServers() throws {
        let compiled = try policy(
            headerYAML
                + "rules:\n  - name: lab\n    when: { server: \"*.example.test\" }\n    transport: { min-tls: \"1.3\" }\n"
        )
        #expect(compiled.resolve(SendContext(server: "relay.example.test:587")).minimumTLSVersion == .tls13)
        #expect(compiled.resolve(SendContext(server: "[::1]:587")).minimumTLSVersion == .tls12)
        #expect(compiled.resolve(SendContext(server: "smtp.example.org")).minimumTLSVersion == .tls12)
        #expect(compiled.resolve(SendContext()).minimumTLSVersion == .tls12)
    }

    @Test func violationCodesAreTheContractStrings() throws {
        #expect(ViolationCode.contractCodes.count == 24)
        #expect(Set(ViolationCode.contractCodes.map(\.rawValue)).count == 24)
        #expect(ViolationCode.pinMismatch.rawValue == "pin-mismatch")
        let violation = Violation(code: .pinMismatch, stage: .tls, rule: "r", source: "f.yaml:3", message: "m")
        let encoded = String(decoding: try JSONEncoderForTests.encode(violation), as: UTF8.self)
        #expect(encoded.contains("\"code\":\"pin-mismatch\""))
        #expect(encoded.contains("\"stage\":\"tls\""))
        let anonymous = Violation(code: .responseInjection, stage: .tls, rule: nil, source: nil, message: "m")
        let anonymousJSON = String(decoding: try JSONEncoderForTests.encode(anonymous), as: UTF8.self)
        #expect(anonymousJSON.contains("\"rule\":null") && anonymousJSON.contains("\"source\":null"))
        let decoded = try JSONDecoder().decode(Violation.self, from: Data(anonymousJSON.utf8))
        #expect(decoded == anonymous)
        #expect(AuthMechanism(caseInsensitive: "scram-sha-256") == .scramSHA256)
        #expect(AuthMechanism(caseInsensitive: "GSSAPI") == nil)
    }
}
