import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) @_spi(DisableValidityCheck) import X509

/// Decides whether a peer's certificate chain is acceptable under ``CertificateRequirements`` at a given time.
///
/// In ``CertificateMode/verify`` mode the decision uses swift-certificates' `Verifier` with `RFC5280Policy` (at the
/// injected time) and `ServerIdentityPolicy` (RFC 6125: DNS names and IP SANs; the CN is consulted only when the
/// certificate has no SAN at all). When that fails, it tells apart *why* — no chain to an anchor
/// (`certificate-untrusted`), a chain whose certificates are outside their validity period (`certificate-expired`),
/// a leaf that does not name the server (`hostname-mismatch`) — and it never reports an acceptable verdict unless
/// the full verification succeeded. Pins then must match a certificate of the verified chain.
///
/// In ``CertificateMode/pinOnly`` mode only the leaf's key is compared with the pins.
///
/// - Important: No exemption for loopback or any address: the name checked is ``CertificateRequirements/serverName``
///   (the `--server` name), never the address the TCP connection went to.
public struct ServerIdentityCheck: Sendable {
    /// What the chain must satisfy.
    public var requirements: CertificateRequirements

    /// Creates a check.
    public init(requirements: CertificateRequirements) {
        self.requirements = requirements
    }

    /// Assesses a chain of DER certificates as presented by the peer (leaf first, as NIOSSL delivers it).
    public func assess(peerChainDER: [[UInt8]], now: Date) async -> CertificateAssessment {
        var chain: [Certificate] = []
        for (index, der) in peerChainDER.enumerated() {
            do {
                chain.append(try Certificate(derEncoded: der))
            } catch {
                if index == 0 {
                    return Self.untrusted("the server's certificate cannot be parsed: \(error)")
                }
                // An unparsable extra certificate cannot be part of any chain we build; leave it out.
            }
        }
        return await assess(peerChain: chain, now: now)
    }

    /// Assesses a parsed chain as presented by the peer (leaf first).
    public func assess(peerChain: [Certificate], now: Date) async -> CertificateAssessment {
        guard let leaf = peerChain.first else {
            return Self.untrusted("the server presented no certificate")
        }
        let presentedPins: [SPKIPin]
        do {
            presentedPins = try peerChain.map { try SPKIPin(certificate: $0) }
        } catch {
            return Self.untrusted("the server's certificate key cannot be read: \(error)")
        }
        var facts = CertificateFacts(
            verified: false,
            leafPin: presentedPins[0],
            subject: leaf.subject.description,
            notBefore: leaf.notValidBefore,
            notAfter: leaf.notValidAfter,
            presentedChainPins: presentedPins,
            verifiedChainPins: nil,
            presentedChainSubjects: peerChain.map { $0.subject.description }
        )

        switch requirements.mode {
        case .pinOnly:
            let findings = pinFindings(candidates: [facts.leafPin], scope: "the leaf", requireSomePin: true)
            return CertificateAssessment(findings: findings, facts: facts)
        case .verify:
            var findings: [TLSFinding] = []
            let roots = CertificateStore(requirements.trustAnchors.certificates)
            let intermediates = CertificateStore(peerChain.dropFirst())
            let serverName = ServerName(requirements.serverName)
            if let verifiedChain = await verifyFully(
                leaf: leaf, roots: roots, intermediates: intermediates, serverName: serverName, now: now)
            {
                do {
                    let chainPins = try verifiedChain.map { try SPKIPin(certificate: $0) }
                    facts.verified = true
                    facts.verifiedChainPins = chainPins
                    findings += pinFindings(candidates: chainPins, scope: "the verified chain", requireSomePin: false)
                } catch {
                    // Cannot happen for certificates already parsed and verified, but fail closed if it does.
                    findings.append(TLSFinding(code: .certificateUntrusted, message: "chain key unreadable: \(error)"))
                }
            } else {
                findings += await diagnose(
                    leaf: leaf, roots: roots, intermediates: intermediates, serverName: serverName, now: now)
                // Without a verified chain only the leaf's own key is a meaningful pin candidate.
                findings += pinFindings(candidates: [facts.leafPin], scope: "the leaf", requireSomePin: false)
            }
            return CertificateAssessment(findings: findings, facts: facts)
        }
    }

    // MARK: - Verification

    private func verifyFully(
        leaf: Certificate,
        roots: CertificateStore,
        intermediates: CertificateStore,
        serverName: ServerName,
        now: Date
    ) async -> [Certificate]? {
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy(fixedExpiryValidationTime: now)
            ServerAuthUsagePolicy()
            Self.identityPolicy(for: serverName)
        }
        switch await verifier.validate(leaf: leaf, intermediates: intermediates) {
        case .validCertificate(let chain):
            return Array(chain)
        case .couldNotValidate:
            return nil
        }
    }

    /// Explains a failed verification with the most specific codes. Always returns at least one finding.
    private func diagnose(
        leaf: Certificate,
        roots: CertificateStore,
        intermediates: CertificateStore,
        serverName: ServerName,
        now: Date
    ) async -> [TLSFinding] {
        var findings: [TLSFinding] = []
        // Chain building with every RFC 5280 rule except the validity period: tells "no anchor" from "expired".
        var structural = Verifier(rootCertificates: roots) {
            RFC5280Policy.withValidityCheckDisabled()
            ServerAuthUsagePolicy()
        }
        switch await structural.validate(leaf: leaf, intermediates: intermediates) {
        case .validCertificate(let chain):
            if let outside = Array(chain).first(where: { !Self.isWithinValidity($0, at: now) }) {
                findings.append(Self.expiredFinding(outside, isLeaf: outside == leaf, now: now))
            }
        case .couldNotValidate(let failures):
            let reason = failures.first.map { ": \($0.policyFailureReason)" } ?? ""
            findings.append(
                TLSFinding(
                    code: .certificateUntrusted,
                    message: "no chain from \(leaf.subject) to a trust anchor\(reason)"
                ))
            if !Self.isWithinValidity(leaf, at: now) {
                findings.append(Self.expiredFinding(leaf, isLeaf: true, now: now))
            }
        }
        if await !leafNames(serverName, leaf: leaf) {
            findings.append(
                TLSFinding(
                    code: .hostnameMismatch,
                    message: "the certificate of \(leaf.subject) does not name \(requirements.serverName)"
                ))
        }
        if findings.isEmpty {
            // The full verification failed for a reason none of the specific checks isolates: fail closed.
            findings.append(
                TLSFinding(code: .certificateUntrusted, message: "the chain of \(leaf.subject) failed verification"))
        }
        return findings
    }

    private func leafNames(_ serverName: ServerName, leaf: Certificate) async -> Bool {
        // With the leaf as its own root, the Verifier applies only the identity policy to the one-element chain.
        // This is a diagnosis of an already failed verification, never a source of trust.
        let policy = LeafNamePolicy(identity: Self.identityPolicy(for: serverName), leaf: leaf)
        var verifier = Verifier(rootCertificates: CertificateStore([leaf])) { policy }
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            return true
        }
        return false
    }

    private static func identityPolicy(for serverName: ServerName) -> ServerIdentityPolicy {
        switch serverName {
        case .dns(let name): ServerIdentityPolicy(serverHostname: name, serverIP: nil)
        case .ipAddress(let address): ServerIdentityPolicy(serverHostname: nil, serverIP: address)
        }
    }

    private static func isWithinValidity(_ certificate: Certificate, at now: Date) -> Bool {
        certificate.notValidBefore <= now && now <= certificate.notValidAfter
    }

    private static func expiredFinding(_ certificate: Certificate, isLeaf: Bool, now: Date) -> TLSFinding {
        let which = isLeaf ? "the server certificate" : "the chain certificate \(certificate.subject)"
        let when =
            now < certificate.notValidBefore
            ? "is not valid before \(certificate.notValidBefore.formatted(.iso8601))"
            : "expired at \(certificate.notValidAfter.formatted(.iso8601))"
        return TLSFinding(code: .certificateExpired, message: "\(which) \(when)")
    }

    // MARK: - Pins

    private func pinFindings(candidates: [SPKIPin], scope: String, requireSomePin: Bool) -> [TLSFinding] {
        let sets = requirements.effectivePinSets
        if sets.isEmpty {
            guard requireSomePin else { return [] }
            return [
                TLSFinding(
                    code: .pinMismatch,
                    message: "certificate mode pin-only needs a pin, and none is configured")
            ]
        }
        let candidateSet = Set(candidates)
        var findings: [TLSFinding] = []
        for pinSet in sets where !pinSet.contains(where: candidateSet.contains) {
            findings.append(
                TLSFinding(
                    code: .pinMismatch,
                    message: "no pin of [\(pinSet.map(\.description).joined(separator: ", "))] matches \(scope)"
                ))
        }
        return findings
    }

    private static func untrusted(_ message: String) -> CertificateAssessment {
        CertificateAssessment(findings: [TLSFinding(code: .certificateUntrusted, message: message)], facts: nil)
    }
}

/// The host-name rule alone, for diagnosing a failed verification: it declares the leaf's own critical extensions
/// handled so the Verifier does not refuse the leaf before the name is even looked at.
private struct LeafNamePolicy: VerifierPolicy {
    var identity: ServerIdentityPolicy
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier]

    init(identity: ServerIdentityPolicy, leaf: Certificate) {
        self.identity = identity
        self.verifyingCriticalExtensions = leaf.extensions.filter(\.critical).map(\.oid)
    }

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        identity.chainMeetsPolicyRequirements(chain: chain)
    }
}
