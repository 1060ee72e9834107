import Foundation
import Logging
import Postern
import PosternPolicy
import Testing

@Suite struct EvaluatorDecisionTests {
    let encryptExternal = Repository.policy("encrypt-external.yaml")
    let strict = Repository.policy("strict.yaml")
    let pinned = Repository.policy("pinned-starttls.yaml")
    let baseline = Repository.policy("baseline.yaml")

    @Test func internalMailIsAllowedWithoutProtection() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("internal.eml"))
        #expect(decision.decision == .allow)
        #expect(decision.exitStatus == .ok)
        #expect(decision.violations.isEmpty)
        #expect(decision.protection.isEmpty)
        #expect(decision.envelope?.sender == "alice@example.org")
        #expect(decision.envelope?.senderOrigin == .fromHeader)
        #expect(decision.envelope?.recipients == ["bob@example.org", "carol@example.org"])
        #expect(decision.layers == [encryptExternal])
    }

    @Test func externalMailWillBeEncryptedNamingTheRuleAndLine() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("external.eml"))
        #expect(decision.isAllowed)
        let encrypt = try #require(decision.protection(.encrypt))
        #expect(decision.protection(.sign) == nil)
        #expect(encrypt.basis == .required)
        #expect(encrypt.format == .smime)
        #expect(encrypt.rule == "encrypt-external")
        #expect(encrypt.isRule)
        let line = try Repository.location(of: "message: { encrypt: required }", in: encryptExternal)
        #expect(encrypt.source == line)
        #expect(encrypt.description == "will be encrypted with smime (required by rule 'encrypt-external' at \(line))")
    }

    @Test func partnerMailIsSignedWithSMIMEAndEncrypted() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("partner-lab.eml"))
        #expect(decision.isAllowed)
        #expect(decision.protection.map(\.operation) == [.sign, .encrypt])
        let sign = try #require(decision.protection(.sign))
        #expect(sign.rule == "sign-for-partners")
        #expect(sign.format == .smime)
        #expect(sign.source == (try Repository.location(of: "message: { sign: required", in: encryptExternal)))
        #expect(decision.protection(.encrypt)?.rule == "encrypt-external")
    }

    @Test func aBlindCopyOutsideTheOrganisationEncryptsTheMessage() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("bcc-external.eml"))
        #expect(decision.isAllowed)
        #expect(decision.envelope?.recipients == ["bob@example.org", "eve@outside.example"])
        #expect(decision.envelope?.bccRecipients == ["eve@outside.example"])
        #expect(decision.protection(.encrypt)?.rule == "encrypt-external")
        // Without the Bcc, the same message stays internal: the Bcc is what triggers the rule.
        let visibleOnly = await evaluator.evaluate(
            message: try Repository.sample("bcc-external.eml"), recipients: ["bob@example.org"])
        #expect(visibleOnly.protection.isEmpty)
        #expect(visibleOnly.envelope?.bccRecipients == [])
    }

    @Test func aSenderOutsideThePolicyIsRefusedWithItsSource() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("denied-sender.eml"))
        #expect(decision.decision == .deny)
        #expect(decision.exitStatus == .noPerm)
        let violation = try #require(decision.violations.first)
        #expect(decision.violations.map(\.code) == [.senderNotAllowed])
        #expect(violation.stage == .envelope)
        #expect(violation.rule == "encrypt-external")
        #expect(violation.source == (try Repository.location(of: "senders:", in: encryptExternal)))
        #expect(violation.message.contains("mallory@elsewhere.example"))
    }

    @Test func aDeniedRecipientIsRefused() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(
            message: mail(["From: alice@example.org", "To: bob@example.org, x@example.invalid"]))
        #expect(decision.decision == .deny)
        #expect(decision.violations.map(\.code) == [.recipientNotAllowed])
        #expect(decision.violations.first?.source == (try Repository.location(of: "deny:", in: encryptExternal)))
        #expect(decision.violations.first?.message.contains("x@example.invalid") == true)
    }

    @Test func aMalformedMessageIsAnInputErrorNotADecision() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("malformed.eml"))
        #expect(decision.decision == .error)
        #expect(decision.exitStatus == .dataErr)
        #expect(decision.inputError?.code == .malformedMessage)
        #expect(decision.inputError?.message.contains("line 3") == true)
        #expect(decision.envelope == nil)
        #expect(decision.violations.isEmpty)
    }

    @Test func strictRequiresBothProtectionsFromItsTopLevel() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [strict])
        let decision = await evaluator.evaluate(message: try Repository.sample("internal.eml"))
        #expect(decision.isAllowed)
        let sign = try #require(decision.protection(.sign))
        #expect(sign.rule == "strict")
        #expect(!sign.isRule)
        #expect(sign.source == (try Repository.location(of: "sign: required", in: strict)))
        #expect(sign.description.contains("required by policy 'strict'"))
        #expect(decision.protection(.encrypt)?.source == (try Repository.location(of: "encrypt: required", in: strict)))
    }

    @Test func requestedProtectionIsReportedAsRequested() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [baseline])
        let decision = await evaluator.evaluate(
            message: try Repository.sample("internal.eml"), requestedSign: .openpgp, requestedEncrypt: nil)
        #expect(decision.isAllowed)
        #expect(
            decision.protection == [
                ProtectionRequirement(operation: .sign, format: .openpgp, basis: .requested, rule: nil, source: nil)
            ])
        #expect(decision.protection.first?.description == "will be signed with openpgp (requested)")
    }

    @Test func aRequestedFormatThePolicyExcludesIsRefused() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        // sign-for-partners allows only S/MIME.
        let decision = await evaluator.evaluate(
            message: try Repository.sample("partner-lab.eml"), requestedSign: .openpgp)
        #expect(decision.decision == .deny)
        #expect(decision.violations.map(\.code) == [.formatNotAllowed])
        #expect(decision.violations.first?.rule == "sign-for-partners")
    }

    @Test func requiredSigningFollowsTheRequestedEncryptionFormat() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [strict])
        let decision = await evaluator.evaluate(
            message: try Repository.sample("internal.eml"), requestedEncrypt: .openpgp)
        #expect(decision.isAllowed)
        #expect(decision.protection(.sign)?.format == .openpgp)
        #expect(decision.protection(.sign)?.basis == .required)
        #expect(decision.protection(.encrypt)?.format == .openpgp)
    }

    @Test func aLayerThatForbidsWhatAnotherRequiresIsAConflict() async throws {
        let scratch = try ScratchDirectory()
        let forbid = try scratch.write(
            "no-crypto.yaml",
            """
            postern-policy: 1
            name: no-crypto
            message:
              encrypt: forbidden
            """)
        for layers in [[encryptExternal, forbid], [forbid, encryptExternal]] {
            let evaluator = try PolicyEvaluator(policyFiles: layers)
            let external = await evaluator.evaluate(message: try Repository.sample("external.eml"))
            #expect(external.decision == .deny)
            #expect(external.violations.map(\.code) == [.policyConflict])
            #expect(external.protection(.encrypt) == nil)
            // Internal mail does not trigger the rule, so the layers agree.
            let internalMail = await evaluator.evaluate(message: try Repository.sample("internal.eml"))
            #expect(internalMail.isAllowed)
        }
    }

    @Test func askingForAForbiddenProtectionIsRefused() async throws {
        let scratch = try ScratchDirectory()
        let forbid = try scratch.write(
            "no-crypto.yaml",
            """
            postern-policy: 1
            name: no-crypto
            message:
              encrypt: forbidden
            """)
        let evaluator = try PolicyEvaluator(policyFiles: [forbid])
        let asked = await evaluator.evaluate(message: try Repository.sample("internal.eml"), requestedEncrypt: .smime)
        #expect(asked.decision == .deny)
        #expect(asked.violations.map(\.code) == [.formatNotAllowed])
        #expect(asked.violations.first?.source == "\(forbid):4")
        #expect(asked.protection.isEmpty)
        let notAsked = await evaluator.evaluate(message: try Repository.sample("internal.eml"))
        #expect(notAsked.isAllowed)
    }

    @Test func aMessageOverTheSmallestMaxSizeIsRefused() async throws {
        let scratch = try ScratchDirectory()
        let small = try scratch.write(
            "small.yaml",
            """
            postern-policy: 1
            name: small
            message:
              max-size: 1KiB
            """)
        let evaluator = try PolicyEvaluator(policyFiles: [strict, small])
        let fits = await evaluator.evaluate(message: mail(["From: a@example.org", "To: b@example.org"]))
        #expect(fits.isAllowed)
        let large = mail(["From: a@example.org", "To: b@example.org"], body: String(repeating: "x", count: 2000))
        let refused = await evaluator.evaluate(message: large)
        #expect(refused.violations.map(\.code) == [.messageTooLarge])
        #expect(refused.violations.first?.rule == "small")
        #expect(refused.messageSize == large.count)
    }

    @Test func namingAServerAddsTheChecksKnownBeforeConnecting() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [pinned])
        let message = try Repository.sample("internal.eml")
        let pinnedServer = await evaluator.evaluate(message: message, server: "smtp.example.org:587")
        #expect(pinnedServer.isAllowed)
        let unpinned = await evaluator.evaluate(message: message, server: "smtp.other.example")
        #expect(unpinned.decision == .deny)
        #expect(unpinned.violations.map(\.code) == [.pinRequired])
        #expect(unpinned.violations.first?.stage == .connect)
        let noServer = await evaluator.evaluate(message: message)
        #expect(noServer.isAllowed)
    }

    @Test func theCallersEnvelopeOverridesTheHeaders() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(
            message: try Repository.sample("denied-sender.eml"), envelopeSender: "bounce@example.org",
            recipients: ["Bob@example.org", "bob@EXAMPLE.org", "dave@partner.example"])
        #expect(decision.isAllowed)
        #expect(decision.envelope?.sender == "bounce@example.org")
        #expect(decision.envelope?.senderOrigin == .caller)
        #expect(decision.envelope?.recipients == ["Bob@example.org", "dave@partner.example"])
        #expect(decision.protection(.encrypt)?.rule == "encrypt-external")
    }

    @Test(arguments: [
        ("bob@example.org\r\nRCPT TO:<x@evil.example>", ComplianceInputError.Code.invalidAddress),
        ("<bob@example.org>", .invalidAddress),
        ("bob", .invalidAddress),
        (String(repeating: "a", count: 300) + "@example.org", .invalidAddress),
    ])
    func aBadCallerAddressIsADataError(address: String, code: ComplianceInputError.Code) async throws {
        let evaluator = PolicyEvaluator(layers: [])
        let asSender = await evaluator.evaluate(
            message: try Repository.sample("internal.eml"), envelopeSender: address)
        #expect(asSender.inputError?.code == code)
        #expect(asSender.exitStatus == .dataErr)
        #expect(asSender.inputError?.message.contains("\r") == false)
        let asRecipient = await evaluator.evaluate(
            message: try Repository.sample("internal.eml"), recipients: ["bob@example.org", address])
        #expect(asRecipient.inputError?.code == code)
    }

    @Test(
        "an empty caller sender is the null reverse-path <>, as sendmail -f '<>' gives; an empty recipient is refused")
    func emptyAddresses() async throws {
        let evaluator = PolicyEvaluator(layers: [])
        let nullSender = await evaluator.evaluate(message: try Repository.sample("internal.eml"), envelopeSender: "")
        #expect(nullSender.inputError == nil)
        #expect(nullSender.envelope?.sender == "")
        #expect(nullSender.envelope?.senderOrigin == .caller)
        let emptyRecipient = await evaluator.evaluate(
            message: try Repository.sample("internal.eml"), recipients: ["bob@example.org", ""])
        #expect(emptyRecipient.inputError?.code == .invalidAddress)
        #expect(emptyRecipient.exitStatus == .dataErr)
    }

    @Test func aBadServerNameIsAUsageError() async throws {
        let decision = await PolicyEvaluator(layers: []).evaluate(
            message: try Repository.sample("internal.eml"), server: "smtp.example.org:99999")
        #expect(decision.inputError?.code == .invalidServer)
        #expect(decision.exitStatus == .usage)
    }

    @Test(arguments: [
        (["To: bob@example.org"], ComplianceInputError.Code.noSender),
        (["From: a@example.org, b@example.org", "To: bob@example.org"], .noSender),
        (["From: a@example.org"], .noRecipients),
        (["From: a@example.org", "To: undisclosed-recipients:;"], .noRecipients),
        (["From: <<<", "To: bob@example.org"], .malformedMessage),
    ])
    func anEnvelopeThatCannotBeDerivedIsADataError(headers: [String], code: ComplianceInputError.Code) async {
        let decision = await PolicyEvaluator(layers: []).evaluate(message: mail(headers))
        #expect(decision.decision == .error)
        #expect(decision.inputError?.code == code)
        #expect(decision.exitStatus == .dataErr)
    }

    @Test func severalFromAddressesUseTheSenderHeader() async throws {
        let decision = await PolicyEvaluator(layers: []).evaluate(
            message: mail(["From: a@example.org, b@example.org", "Sender: a@example.org", "To: c@example.org"]))
        #expect(decision.isAllowed)
        #expect(decision.envelope?.sender == "a@example.org")
        #expect(decision.envelope?.senderOrigin == .senderHeader)
    }

    @Test func noLayersMeansTheBuiltInBaseline() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [])
        #expect(evaluator.layerFiles == ["<built-in baseline>"])
        let decision = await evaluator.evaluate(message: try Repository.sample("denied-sender.eml"))
        #expect(decision.isAllowed)
        #expect(decision.protection.isEmpty)
    }

    @Test func theLayerOrderDoesNotChangeTheDecision() async throws {
        let forward = try PolicyEvaluator(policyFiles: [strict, encryptExternal])
        let backward = try PolicyEvaluator(policyFiles: [encryptExternal, strict])
        for sample in ["internal.eml", "external.eml", "partner-lab.eml", "bcc-external.eml", "denied-sender.eml"] {
            let bytes = try Repository.sample(sample)
            let one = await forward.evaluate(message: bytes)
            let other = await backward.evaluate(message: bytes)
            #expect(one.decision == other.decision, "\(sample)")
            #expect(Set(one.violations.map(\.code)) == Set(other.violations.map(\.code)), "\(sample)")
            #expect(one.protection.map(\.operation) == other.protection.map(\.operation), "\(sample)")
        }
    }

    @Test func everyBrokenPolicyFileIsReportedAtOnce() throws {
        let scratch = try ScratchDirectory()
        let broken = try scratch.write(
            "broken.yaml", "postern-policy: 1\nname: broken\nmessage:\n  encrypt: sometimes\n")
        let missing = scratch.url.appendingPathComponent("missing.yaml").path
        let error = #expect(throws: PolicyLoadError.self) {
            _ = try PolicyEvaluator(policyFiles: [broken, self.encryptExternal, missing])
        }
        let files = Set(error?.diagnostics.map(\.file) ?? [])
        #expect(files == [broken, missing])
        #expect(error?.diagnostics.first { $0.file == broken }?.line == 4)
    }

    @Test func theReportCarriesTheDecisionAndNullSections() async throws {
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let decision = await evaluator.evaluate(message: try Repository.sample("denied-sender.eml"))
        let report = decision.report()
        #expect(report.verb == "evaluate")
        #expect(report.decision == .deny)
        #expect(report.exitCode == .noPerm)
        #expect(report.violations.map(\.code) == ["sender-not-allowed"])
        #expect(report.policy?.layers == [encryptExternal])
        let json = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(json["transport"] is NSNull)
        #expect(json["smtp"] is NSNull)
        #expect(json["exit-code"] as? Int == 77)
        let effective = try #require((json["policy"] as? [String: Any])?["effective"] as? [String: Any])
        #expect(effective["message.encrypt"] != nil)

        let failed = await evaluator.evaluate(message: try Repository.sample("malformed.eml")).report()
        #expect(failed.decision == .error)
        #expect(failed.exitCode == .dataErr)
        #expect(failed.error?.hasPrefix("malformed-message") == true)
    }

    @Test func theLoggerGetsTheDecisionButNeverTheBody() async throws {
        let recorder = LogRecorder()
        let evaluator = try PolicyEvaluator(policyFiles: [encryptExternal])
        let secretBody = "the-body-must-not-be-logged-4711"
        _ = await evaluator.evaluate(
            message: mail(
                ["From: alice@example.org", "To: dave@partner.example", "Subject: s3cret subject"],
                body: secretBody),
            logger: recorder.logger())
        let lines = recorder.lines
        #expect(lines.count == 1)
        #expect(lines.first?.contains("allow") == true)
        #expect(lines.first?.contains("encrypt") == true)
        #expect(!lines.joined().contains(secretBody))
        #expect(!lines.joined().contains("s3cret"))
    }
}

@Suite struct EvaluatorHostileInputTests {
    /// A deterministic generator, so a failure can be reproduced from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func emptyAndHeaderlessInputIsAMalformedMessage() async {
        let evaluator = PolicyEvaluator(layers: [])
        for input in [[], Array("\r\n\r\nbody only\r\n".utf8), Array("no header here".utf8)] as [[UInt8]] {
            let decision = await evaluator.evaluate(message: input)
            #expect(decision.decision == .error)
            #expect(decision.inputError?.code == .malformedMessage)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomBytesNeverAllowAndNeverCrash(seed: UInt64) async {
        var generator = SplitMix64(state: seed)
        let count = Int.random(in: 0...4096, using: &generator)
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let decision = await PolicyEvaluator(layers: []).evaluate(message: bytes)
        // Random bytes essentially never form From: and To: headers; whatever the parser says,
        // the result is a decision value, and anything but allow carries its reason.
        #expect(decision.decision != .allow)
        #expect(decision.inputError != nil || !decision.violations.isEmpty)
    }

    @Test func tooManyHeaderFieldsIsAnInputErrorNotAnAllocationStorm() async {
        var headers = ["From: a@example.org", "To: b@example.org"]
        headers += (0..<2_000).map { "X-Filler-\($0): x" }
        let decision = await PolicyEvaluator(layers: []).evaluate(message: mail(headers))
        #expect(decision.inputError?.code == .malformedMessage)
        #expect(decision.inputError?.message.contains("too-many-headers") == true)
    }
}
