import NIOSSL
import PosternPolicy
import PosternSMTP
import PosternTLS

/// The policy checkpoints of one submission (CONTRACT §3.2), as pure functions of what each step has learnt.
///
/// The driver asks before connecting, after the TLS handshake, after EHLO, before AUTH and before each MAIL
/// FROM; each answer is the list of violations (empty: go on), each violation naming the rule and `file:line`
/// that demanded it.
public struct TransportPolicyGate: Sendable {
    /// The policy resolved for the session's first sender and every recipient.
    public let resolved: ResolvedPolicy
    /// One resolution per distinct sender of a batch (the first is ``resolved``): the connection must satisfy
    /// every one of them, so a later message's sender rules are not skipped.
    let parts: [ResolvedPolicy]
    let policy: CompiledPolicy
    let serverHost: String
    /// The mode this session uses, set by ``connectionMode(requested:)``.
    public private(set) var mode: SecurityMode?
    /// Whether credentials will be offered.
    public let authenticates: Bool

    /// Resolves `policy` for the session.
    public init(policy: CompiledPolicy, context: SendContext, authenticates: Bool) {
        self.init(policy: policy, contexts: [context], authenticates: authenticates)
    }

    /// Resolves `policy` for each context (one per distinct sender; each with every recipient and the server);
    /// every checkpoint must pass under all of them. An empty list resolves a context with no envelope.
    public init(policy: CompiledPolicy, contexts: [SendContext], authenticates: Bool) {
        let all = contexts.isEmpty ? [SendContext()] : contexts
        self.policy = policy
        self.parts = all.map { policy.resolve($0) }
        self.resolved = parts[0]
        self.serverHost = all[0].server ?? ""
        self.authenticates = authenticates
    }

    /// Every part's violations at `stage`, without duplicates.
    func evaluateAll(_ stage: Stage, facts: Facts) -> [Violation] {
        var found: [Violation] = []
        for part in parts {
            for violation in part.evaluate(stage, facts: facts).violations where !found.contains(violation) {
                found.append(violation)
            }
        }
        return found
    }

    /// The highest `min-tls` of the parts.
    var minimumTLSVersion: PosternPolicy.TLSVersion {
        parts.map(\.minimumTLSVersion).max() ?? resolved.minimumTLSVersion
    }

    /// Whether every part allows credentials without TLS.
    public var authOverPlaintextAllowed: Bool { parts.allSatisfy(\.authOverPlaintextAllowed) }

    // MARK: - Before connecting

    /// Which mode may be tried: the requested one if the policy allows it, else the policy's first; violations
    /// (`implicit-tls-required`, `plaintext-not-allowed`, `pin-required`, `policy-conflict`) mean no connection.
    public mutating func connectionMode(requested: SecurityMode?) -> (mode: SecurityMode?, violations: [Violation]) {
        var facts = Facts()
        facts.requestedSecurity = requested
        var violations = resolved.evaluate(.connect, facts: facts).violations
        let chosen = violations.isEmpty ? resolved.securityMode(requested: requested) : nil
        if let chosen {
            // The other senders' parts must allow the very mode chosen for the primary one.
            facts.requestedSecurity = chosen
            for part in parts.dropFirst() {
                for violation in part.evaluate(.connect, facts: facts).violations where !violations.contains(violation)
                {
                    violations.append(violation)
                }
            }
        }
        guard violations.isEmpty, let chosen else {
            mode = nil
            return (nil, violations)
        }
        mode = chosen
        return (chosen, [])
    }

    /// The envelope and protection of one transaction (also asked before connecting, so a send the policy
    /// denies never opens a connection).
    public func envelopeViolations(_ job: SubmissionJob) -> [Violation] {
        envelopeViolations(transaction: job.transaction, protection: job.protection)
    }

    func envelopeViolations(transaction: SMTPTransaction, protection: ProtectionFacts) -> [Violation] {
        let context = SendContext(
            sender: transaction.sender?.address, recipients: transaction.recipients.map(\.address), server: serverHost)
        let forTransaction = policy.resolve(context)
        var facts = Facts()
        facts.messageSize = UInt64(max(transaction.messageSize, 0))
        facts.requestedSign = protection.signed
        facts.requestedEncrypt = protection.encrypted
        facts.signingKeyAvailable = protection.signingKeyAvailable
        facts.recipientsWithoutKey = protection.recipientsWithoutKey
        facts.recipientsWithInvalidKey = protection.recipientsWithInvalidKey
        facts.weakestRSABits = protection.weakestRSABits
        facts.smimeCipher = protection.smimeCipher
        facts.smimeDigest = protection.smimeDigest
        return forTransaction.evaluate(.envelope, facts: facts).violations
            + forTransaction.evaluate(.protection, facts: facts).violations
    }

    // MARK: - TLS

    /// The TLS client policy for this session: `min-tls`, certificate mode and pins from the policy.
    public func tlsClientPolicy(trustAnchors: TrustAnchors) throws -> TLSClientPolicy {
        try TLSClientPolicy(
            minimumTLS: minimumTLSVersion.rawValue,
            // Verify when any part verifies; a pin-only part's leaf-only rule is judged after the handshake.
            certificateMode: parts.contains(where: \.verifiesCertificateChain) ? .verify : .pinOnly,
            pinSets: parts.flatMap(\.pinSets).map { set in set.compactMap { try? PosternTLS.SPKIPin(digest: $0.digest) }
            },
            trustAnchors: trustAnchors)
    }

    /// After a completed handshake: version, chain, host name and pins, judged by the policy (which names the
    /// rule), joined with whatever the TLS layer found that the policy did not restate.
    public func tlsViolations(
        negotiated: NIOSSL.TLSVersion?, assessment: CertificateAssessment?, layerFindings: [TLSFinding]
    ) -> [Violation] {
        let facts = tlsFacts(negotiated: negotiated, assessment: assessment, findings: layerFindings)
        var violations = evaluateAll(.tls, facts: facts)
        for finding in layerFindings where !violations.contains(where: { $0.code.rawValue == finding.code.rawValue }) {
            violations.append(
                Violation(
                    code: ViolationCode(rawValue: finding.code.rawValue), stage: .tls, rule: nil, source: nil,
                    message: finding.message))
        }
        return violations
    }

    /// After a failed handshake: the TLS layer's findings (the specific reason), each with the rule that
    /// demanded it when the policy can name one.
    public func handshakeFailureViolations(findings: [TLSFinding], assessment: CertificateAssessment?) -> [Violation] {
        let facts = tlsFacts(negotiated: nil, assessment: assessment, findings: findings)
        let named = evaluateAll(.tls, facts: facts)
        return findings.map { finding in
            let code = ViolationCode(rawValue: finding.code.rawValue)
            let source = named.first { $0.code == code }
            return Violation(
                code: code, stage: .tls, rule: source?.rule, source: source?.source, message: finding.message)
        }
    }

    private func tlsFacts(
        negotiated: NIOSSL.TLSVersion?, assessment: CertificateAssessment?, findings: [TLSFinding]
    ) -> Facts {
        let codes = Set(findings.map(\.code.rawValue) + (assessment?.findings.map(\.code.rawValue) ?? []))
        var facts = Facts()
        facts.requestedSecurity = mode
        facts.activeSecurity = mode
        facts.tlsHandshakeFailed = codes.contains(TLSFindingCode.tlsHandshakeFailed.rawValue)
        if let negotiated {
            facts.tlsVersion = PosternPolicy.TLSVersion(rawValue: negotiated.contractName)
        } else if !codes.contains(TLSFindingCode.tlsVersionTooLow.rawValue) {
            // No session: the version is not what failed, so do not blame it.
            facts.tlsVersion = minimumTLSVersion
        }
        facts.certificateTrusted = !codes.contains(TLSFindingCode.certificateUntrusted.rawValue)
        facts.certificateExpired = codes.contains(TLSFindingCode.certificateExpired.rawValue)
        facts.hostnameMatches = !codes.contains(TLSFindingCode.hostnameMismatch.rawValue)
        if let certificate = assessment?.facts {
            facts.leafPin = PosternPolicy.SPKIPin(digest: certificate.leafPin.digest)
            let chain = certificate.verifiedChainPins ?? certificate.presentedChainPins
            facts.chainPins = chain.dropFirst().compactMap { PosternPolicy.SPKIPin(digest: $0.digest) }
        }
        return facts
    }

    // MARK: - After EHLO, before AUTH, before MAIL FROM

    /// After the final EHLO: STARTTLS offered when it is the mode, AUTH mechanisms ∩ policy when
    /// authenticating, and (ahead of the AUTH checkpoint, so the rule is named) credentials on an unencrypted
    /// connection.
    public func ehloViolations(_ ehlo: SMTPEHLOFacts) -> [Violation] {
        var facts = Facts()
        facts.requestedSecurity = mode
        facts.activeSecurity = mode
        // The machine itself refuses a missing STARTTLS before TLS; after it, the offer no longer matters.
        facts.starttlsOffered =
            ehlo.upgradedWithSTARTTLS ? true : (mode == .starttls ? ehlo.capabilities.startTLS : nil)
        facts.authRequested = authenticates
        facts.authMechanismsOffered = ehlo.capabilities.authMechanisms.compactMap { AuthMechanism(rawValue: $0) }
        facts.connectionEncrypted = ehlo.tlsActive
        let violations = evaluateAll(.ehlo, facts: facts)
        if authenticates {
            let plaintext = evaluateAll(.auth, facts: facts).filter { $0.code == .authOverPlaintext }
            // Credentials refused on this connection at all: which mechanisms are offered no longer matters.
            if !plaintext.isEmpty { return plaintext + violations.filter { $0.code != .authMechanismNotAllowed } }
        }
        return violations
    }

    /// Before AUTH: never on an unencrypted connection (unless allowed), and only a mechanism the policy lists.
    public func authViolations(_ auth: SMTPAuthFacts) -> [Violation] {
        var facts = Facts()
        facts.activeSecurity = mode
        facts.authRequested = true
        facts.connectionEncrypted = auth.tlsActive
        facts.authMechanismsOffered = auth.offeredMechanisms.compactMap { AuthMechanism(rawValue: $0) }
        facts.authMechanismChosen = AuthMechanism(rawValue: auth.mechanism.uppercased())
        var violations = evaluateAll(.auth, facts: facts)
        if facts.authMechanismChosen == nil {
            violations.append(
                Violation(
                    code: .authMechanismNotAllowed, stage: .auth, rule: nil, source: nil,
                    message: "AUTH \(auth.mechanism) is not a mechanism the policy can allow"))
        }
        return violations
    }

    /// Before MAIL FROM: the envelope (sender, recipients), `max-size` and the protection the policy requires.
    public func envelopeViolations(_ envelope: SMTPEnvelopeFacts, protection: ProtectionFacts) -> [Violation] {
        envelopeViolations(transaction: envelope.transaction, protection: protection)
    }

    /// The AUTH mechanisms the policy allows, most preferred first (the machine's allowed list).
    public var allowedAuthMechanisms: [String] {
        resolved.allowedAuthMechanisms.filter { mechanism in
            parts.allSatisfy { $0.allowedAuthMechanisms.contains(mechanism) }
        }.map(\.rawValue)
    }
}
